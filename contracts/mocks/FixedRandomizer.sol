// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRandomizer} from "../interfaces/IRandomizer.sol";

/**
 * @dev Test-only {IRandomizer} that answers whatever hash the test set last (zero included), so
 * the core's refusal of zero and repeated hashes can be exercised. Never deployed by
 * scripts/deploy.py.
 */
contract FixedRandomizer is IRandomizer {
    bytes32 public nextHash;

    function setNextHash(bytes32 hash) external {
        nextHash = hash;
    }

    function assignTokenHash(uint256) external view returns (bytes32) {
        return nextHash;
    }
}
