// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRandomizer} from "../interfaces/IRandomizer.sol";
import {HashRules} from "../libraries/HashRules.sol";

/**
 * @title BlockhashRandomizer
 * @notice The reference {IRandomizer}: the same rule as `ArtCore`'s built-in default,
 * `keccak256(abi.encode(blockhash(block.number - 1), block.prevrandao, core, tokenId))`, with
 * the calling core in place of `address(this)`, so plugging it in changes no hash.
 *
 * @dev A block producer can grind this hash (DESIGN.md); that is why the source sits behind an
 * interface. It keeps no state, so one deployment serves any number of cores.
 */
contract BlockhashRandomizer is IRandomizer {
    /// @inheritdoc IRandomizer
    function assignTokenHash(uint256 tokenId) external view returns (bytes32 hash) {
        return HashRules.randomHash(msg.sender, tokenId);
    }
}
