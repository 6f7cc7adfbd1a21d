// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @notice A source of token hashes for {ArtCore}'s random mints (`mint`), pluggable by the core's
 * owner. `ArtCore` derives the default hash itself (no external call, the cheaper default; see
 * `HashRules.randomHash`); a randomizer set with `ArtCore.setRandomizer` replaces it.
 *
 * The hash is assigned synchronously, inside the mint: a token has its final, non-zero hash from
 * the block it is minted in, which is what makes the hash "derived once, never changed". A
 * commit-reveal or VRF source fits behind this interface when it can answer in the mint's
 * transaction (e.g. from randomness revealed ahead of the mints it serves).
 */
interface IRandomizer {
    /**
     * @notice Returns the token hash for `tokenId` of the calling core (`msg.sender`).
     *
     * Requirements: the result is not zero (the core reverts on it) and is never returned twice
     * for the same project (the randomizer's duty: the core does not pay to check it; putting
     * `tokenId` in the hash, as the reference randomizer does, is enough).
     */
    function assignTokenHash(uint256 tokenId) external returns (bytes32 hash);
}
