// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStyleRegistry} from "../interfaces/IStyleRegistry.sol";

/**
 * @dev Test-only style owner that is a contract, so a test can try a payout change in a single
 * transaction (propose and accept in one call). Never deployed by scripts/deploy.py.
 */
contract StyleOwnerMock {
    IStyleRegistry public immutable registry;

    constructor(IStyleRegistry registry_) {
        registry = registry_;
    }

    function register(string[] calldata keywords) external returns (uint256) {
        return registry.registerStyle("mock style", keywords, address(this), "");
    }

    function propose(uint256 styleId, address payout) external {
        registry.proposePayout(styleId, payout);
    }

    function accept(uint256 styleId) external {
        registry.acceptPayout(styleId);
    }

    function proposeAndAccept(uint256 styleId, address payout) external {
        registry.proposePayout(styleId, payout);
        registry.acceptPayout(styleId);
    }
}
