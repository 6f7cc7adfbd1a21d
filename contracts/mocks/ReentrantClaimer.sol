// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPayoutDistributor} from "../interfaces/IPayoutDistributor.sol";

/**
 * @dev Test-only payee that, when paid, claims its own entitlement again from inside `receive`
 * (a reentrancy attempt). It records the outcome instead of reverting, so the outer claim
 * completes and a test can check that the inner one paid nothing. Never deployed by
 * scripts/deploy.py.
 */
contract ReentrantClaimer {
    IPayoutDistributor public distributor;
    uint256 public cumulativeAmount;
    bytes32[] private _proof;
    uint256 public calls;
    bool public reentrySucceeded;
    bytes public reentryError;

    function arm(IPayoutDistributor distributor_, uint256 cumulativeAmount_, bytes32[] calldata proof) external {
        distributor = distributor_;
        cumulativeAmount = cumulativeAmount_;
        _proof = proof;
    }

    receive() external payable {
        calls += 1;
        if (calls > 1) return;
        try distributor.claim(address(this), cumulativeAmount, _proof) {
            reentrySucceeded = true;
        } catch (bytes memory reason) {
            reentryError = reason;
        }
    }
}
