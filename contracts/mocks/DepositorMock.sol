// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPayoutDistributor} from "../interfaces/IPayoutDistributor.sol";

/**
 * @dev Test-only stand-in for the core, set as a fresh distributor's core so a test can send a
 * deposit the real core never sends (zero value). Never deployed by scripts/deploy.py.
 */
contract DepositorMock {
    function depositTo(IPayoutDistributor distributor, uint256 projectId) external payable {
        distributor.deposit{value: msg.value}(projectId);
    }
}
