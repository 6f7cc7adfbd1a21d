// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPayoutDistributor} from "../interfaces/IPayoutDistributor.sol";

/**
 * @dev Test-only payee whose `receive` always reverts: a claim paying it must fail alone, and it
 * can still be paid elsewhere through {IPayoutDistributor-claimTo}. Never deployed by
 * scripts/deploy.py.
 */
contract RevertingReceiver {
    error RevertingReceiverRefused();

    receive() external payable {
        revert RevertingReceiverRefused();
    }

    function claimTo(
        IPayoutDistributor distributor,
        address to,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external {
        distributor.claimTo(to, cumulativeAmount, proof);
    }
}
