// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @notice The two token-hash rules of StyleLedger (DESIGN.md, "ArtCore"), in one place so the core,
 * the reference randomizer and any off-chain check agree byte for byte.
 */
library HashRules {
    /**
     * @dev Random mint: `keccak256(abi.encode(blockhash(block.number - 1), block.prevrandao,
     * core, tokenId))`. No `msg.sender` in it. `core` is the ERC-721 contract that mints `tokenId`.
     */
    function randomHash(address core, uint256 tokenId) internal view returns (bytes32 hash) {
        return keccak256(abi.encode(blockhash(block.number - 1), block.prevrandao, core, tokenId));
    }

    /**
     * @dev Preview mint: `keccak256(abi.encode(core, projectId, seed, minter))`. The minter is in
     * it, so a seed copied from the mempool gives a front-runner a different image.
     */
    function seedHash(
        address core,
        uint256 projectId,
        uint256 seed,
        address minter
    ) internal pure returns (bytes32 hash) {
        return keccak256(abi.encode(core, projectId, seed, minter));
    }
}
