// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IPayoutDistributor} from "./interfaces/IPayoutDistributor.sol";
import {ArtCoreProjects} from "./core/ArtCoreProjects.sol";
import {ArtCoreSales} from "./core/ArtCoreSales.sol";
import {ArtCoreTreasury} from "./core/ArtCoreTreasury.sol";

/**
 * @title ArtCore
 * @notice StyleLedger's ERC-721 (modelled on Art Blocks V3): prompt authors create projects, and
 * collectors mint tokens whose hash, derived once on-chain, fixes the image the generator renders.
 * Each sale splits into a platform share and a creator pool that reaches the PayoutDistributor;
 * EIP-2981 royalties go to a per-project {RoyaltyReceiver} clone.
 *
 * One deployed contract composed of three parts, as OpenZeppelin composes ERC-721 extensions:
 * - {ArtCoreProjects}: projects, their authors' settings, royalty rates and receiver clones;
 * - {ArtCoreSales}: {mint} and {mintWithSeed}, token hashes, the pluggable randomizer;
 * - {ArtCoreTreasury}: the platform balance, creator pools and their sweep to the distributor.
 * This contract adds the token's name, symbol and base URI and the EIP-2981 answer
 * ({royaltyInfo}). Errors, events and shared types are declared once, in {IArtCore}.
 *
 * @dev Storage, in inheritance order: OpenZeppelin's ERC721 and Ownable2Step, then the
 * treasury's (`_ledger`, the one slot every sale writes), the projects' (`_mintStates`, the one
 * slot per project every mint writes), the sales', ERC2981's (unused: royalties are per project)
 * and `_baseTokenURI`. Each part documents its own slots.
 */
contract ArtCore is ArtCoreTreasury, ArtCoreProjects, ArtCoreSales, ERC2981 {
    /// @notice Longest base URI, in bytes.
    uint256 public constant MAX_URI_LENGTH = 512;

    string private _baseTokenURI;

    /**
     * @notice Deploys the core, wired to its distributor, with the platform share at its cap.
     * @param name_ ERC-721 name.
     * @param symbol_ ERC-721 symbol.
     * @param initialOwner sets the base URI, platform share, platform recipient and randomizer.
     * @param platform_ withdraws the platform balance.
     * @param distributor_ receives the creator pools and (through the receivers) royalties.
     *
     * Emits {PlatformBpsUpdated} (1000) and {PlatformRecipientUpdated}.
     */
    constructor(
        string memory name_,
        string memory symbol_,
        address initialOwner,
        address platform_,
        IPayoutDistributor distributor_
    )
        ERC721(name_, symbol_)
        Ownable(initialOwner)
        ArtCoreTreasury(platform_, distributor_)
        ArtCoreProjects(distributor_)
    {}

    /// @notice Refuses plain ether: sales go through `mint` and `mintWithSeed`.
    receive() external payable {
        revert ArtCoreUnexpectedCall(msg.sender, msg.value, 0);
    }

    /// @notice Refuses calls to functions this contract does not have.
    fallback() external payable {
        revert ArtCoreUnexpectedCall(msg.sender, msg.value, msg.sig);
    }

    /**
     * @notice Sets the prefix of every token URI (the token id is appended).
     *
     * Requirements: the caller is the owner; `baseURI` is at most {MAX_URI_LENGTH} bytes.
     *
     * Emits a {BaseURIUpdated} event.
     */
    function setBaseURI(string calldata baseURI) external onlyOwner {
        _checkLength(baseURI, MAX_URI_LENGTH);
        _baseTokenURI = baseURI;
        emit BaseURIUpdated(baseURI);
    }

    /// @notice EIP-2981: the project's receiver clone and its rate (zero for unknown projects),
    /// for any sale price (no overflow: `salePrice * bps / 10000` in 512 bits).
    function royaltyInfo(
        uint256 tokenId,
        uint256 salePrice
    ) public view override returns (address receiver, uint256 amount) {
        uint256 bps;
        (receiver, bps) = _royalty(tokenId);
        amount = Math.mulDiv(salePrice, bps, _feeDenominator());
    }

    /**
     * @notice Always reverts: the owner moderates projects and sets the platform's terms, so the
     * role is handed over with {transferOwnership} and {acceptOwnership}, never dropped.
     */
    function renounceOwnership() public view override onlyOwner {
        revert ArtCoreOwnershipNotRenounceable();
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, ERC2981) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /// @dev Token URIs are the base URI followed by the token id.
    function _baseURI() internal view override returns (string memory) {
        return _baseTokenURI;
    }
}
