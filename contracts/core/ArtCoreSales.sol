// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

import {IArtCore} from "../interfaces/IArtCore.sol";
import {IRandomizer} from "../interfaces/IRandomizer.sol";
import {HashRules} from "../libraries/HashRules.sol";
import {ArtCoreProjects} from "./ArtCoreProjects.sol";
import {ArtCoreTreasury} from "./ArtCoreTreasury.sol";

/**
 * @title ArtCoreSales
 * @notice The sales part of {ArtCore}: collectors mint tokens whose hash, derived once on-chain,
 * fixes the image the generator renders. Token id = `projectId * 1_000_000 + invocation`. Each
 * mint pays exactly the price ({ArtCoreProjects-_takeNextToken}), splits it
 * ({ArtCoreTreasury-_recordSale}) and goes to the caller with `_mint` (no `onERC721Received`
 * call, as in Art Blocks: a contract that mints for itself is expected to hold ERC-721s).
 * - {mint}: hash `keccak256(abi.encode(blockhash(block.number - 1), block.prevrandao,
 *   address(this), tokenId))`, computed here by default or by a pluggable {IRandomizer}.
 * - {mintWithSeed} (projects that allow preview minting): hash `keccak256(abi.encode(
 *   address(this), projectId, seed, minter))`; each `(minter, seed)` at most once per project,
 *   hence each hash at most once (random hashes contain their unique token id).
 *
 * @dev Storage:
 * - `_randomizer`: the pluggable randomizer (its on/off flag is packed in the treasury's ledger
 *   slot, which every mint reads anyway).
 * - `_tokenHashes[tokenId]`: the token hash (one slot per token).
 * - `_seedBitmaps[keccak256(projectId, minter, seed >> 8)]`: bit `seed & 255` set once minted, so
 *   a collector's seeds 0-255 of a project share one slot (seeds are meant to be small integers
 *   counted up from 0 by the preview page).
 *
 * A pluggable randomizer's hash is checked for zero only: keeping it unique per project is the
 * randomizer's duty ({IRandomizer}; the reference one puts the token id in it, as the built-in
 * rule does). A storage check would cost every such mint a new slot (22,100 gas).
 */
abstract contract ArtCoreSales is ERC721, ArtCoreTreasury, ArtCoreProjects {
    // ────────────────────────────────────────── storage ────────────────────────────────────────────

    address private _randomizer;
    mapping(uint256 tokenId => bytes32) private _tokenHashes;
    mapping(bytes32 key => uint256) private _seedBitmaps;

    // ─────────────────────────────────────────── mints ─────────────────────────────────────────────

    /**
     * @notice Mints the next token of `projectId` to the caller, with a random hash.
     *
     * Requirements: the project exists, is active and not sold out; `msg.value` is its price.
     *
     * Emits {Transfer} and {Mint}.
     */
    function mint(uint256 projectId) external payable returns (uint256 tokenId) {
        tokenId = _takeNextToken(projectId, false, msg.value);
        bytes32 hash = _recordSale(msg.value) ? _randomizerHash(tokenId) : HashRules.randomHash(address(this), tokenId);
        _mintToken(projectId, tokenId, hash);
    }

    /**
     * @notice Mints the next token of `projectId` to the caller with the hash of `seed`, the one
     * the caller previewed for its own address (see {seedHash}).
     *
     * Requirements: as {mint}, the project allows preview minting, and the caller has not
     * minted `seed` in this project before.
     *
     * Emits {Transfer}, {Mint} and {MintedWithSeed}.
     */
    function mintWithSeed(uint256 projectId, uint256 seed) external payable returns (uint256 tokenId) {
        tokenId = _takeNextToken(projectId, true, msg.value);
        _recordSale(msg.value);
        bytes32 hash = HashRules.seedHash(address(this), projectId, seed, msg.sender);
        bytes32 key = _seedKey(projectId, msg.sender, seed);
        uint256 bit = 1 << (seed & 0xff);
        uint256 word = _seedBitmaps[key];
        if (word & bit != 0) revert ArtCoreHashAlreadyMinted(projectId, hash);
        _seedBitmaps[key] = word | bit;
        _mintToken(projectId, tokenId, hash);
        emit MintedWithSeed(tokenId, seed);
    }

    /**
     * @notice Plugs in an {IRandomizer} for random mints, or the zero address for the built-in
     * rule (the cheaper default: no external call).
     *
     * Requirements: the caller is the owner; `randomizer_` is zero or a contract.
     *
     * Emits a {RandomizerUpdated} event.
     */
    function setRandomizer(address randomizer_) external onlyOwner {
        if (randomizer_ != address(0) && randomizer_.code.length == 0) revert ArtCoreInvalidAddress(randomizer_);
        _randomizer = randomizer_;
        _setExternalRandomizer(randomizer_ != address(0));
        emit RandomizerUpdated(randomizer_);
    }

    // ─────────────────────────────────────────── views ─────────────────────────────────────────────

    /// @inheritdoc IArtCore
    function tokenHash(uint256 tokenId) external view returns (bytes32) {
        _requireOwned(tokenId);
        return _tokenHashes[tokenId];
    }

    /// @notice The hash {mintWithSeed} gives `minter` for `seed` in `projectId` (for previews).
    function seedHash(uint256 projectId, uint256 seed, address minter) external view returns (bytes32) {
        return HashRules.seedHash(address(this), projectId, seed, minter);
    }

    /// @notice Whether `minter` already minted `seed` in `projectId`.
    function seedMinted(uint256 projectId, address minter, uint256 seed) external view returns (bool) {
        return _seedBitmaps[_seedKey(projectId, minter, seed)] & (1 << (seed & 0xff)) != 0;
    }

    /// @notice The pluggable randomizer (the zero address: the built-in rule).
    function randomizer() external view returns (address) {
        return _randomizer;
    }
    // ────────────────────────────────────────── private ────────────────────────────────────────────

    /// @dev Stores the hash, mints `tokenId` to the caller, emits {Mint}.
    function _mintToken(uint256 projectId, uint256 tokenId, bytes32 hash) private {
        _tokenHashes[tokenId] = hash;
        _mint(msg.sender, tokenId);
        emit Mint(msg.sender, tokenId, projectId, hash, msg.value);
    }

    /// @dev Asks the pluggable randomizer, refusing a zero hash.
    function _randomizerHash(uint256 tokenId) private returns (bytes32 hash) {
        hash = IRandomizer(_randomizer).assignTokenHash(tokenId);
        if (hash == 0) revert ArtCoreZeroHash(tokenId);
    }

    /// @dev The `_seedBitmaps` word that holds `seed`'s bit for `minter` in `projectId`.
    function _seedKey(uint256 projectId, address minter, uint256 seed) private pure returns (bytes32) {
        return keccak256(abi.encode(projectId, minter, seed >> 8));
    }
}
