// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";

import {IArtCore} from "./interfaces/IArtCore.sol";
import {IPayoutDistributor} from "./interfaces/IPayoutDistributor.sol";
import {IRandomizer} from "./interfaces/IRandomizer.sol";
import {HashRules} from "./libraries/HashRules.sol";
import {RoyaltyReceiver} from "./RoyaltyReceiver.sol";

/**
 * @title ArtCore
 * @notice StyleLedger's ERC-721 (modelled on Art Blocks V3): prompt authors create projects, and
 * collectors mint tokens whose hash, derived once on-chain, fixes the image the generator renders.
 *
 * Projects. Anyone may create a project and becomes its author (permissionless, like an open
 * launchpad: the author pays the gas, the indexer renders only models it holds, and the owner
 * may pause a project that abuses the platform). The author alone updates it: price, max supply
 * (only down), active/paused, preview minting, royalty rate; the prompt, model id and render
 * settings only before the first mint, since every minted image depends on them.
 *
 * Mints. Token id = `projectId * 1_000_000 + invocation`. Each mint pays exactly the price and
 * goes to the caller with `_mint` (no `onERC721Received` call, as in Art Blocks: a contract that
 * mints for itself is expected to hold ERC-721s).
 * - {mint}: hash `keccak256(abi.encode(blockhash(block.number - 1), block.prevrandao,
 *   address(this), tokenId))`, computed here by default or by a pluggable {IRandomizer}.
 * - {mintWithSeed} (projects that allow preview minting): hash `keccak256(abi.encode(
 *   address(this), projectId, seed, minter))`; each `(minter, seed)` at most once per project,
 *   hence each hash at most once (random hashes contain their unique token id).
 *
 * Money. Each sale splits here: `price * platformBps / 10000` to the platform balance (withdrawn
 * by the platform, pull), the rest is the token's creator pool. Pools accrue here and reach the
 * PayoutDistributor in batches through {sweepCreatorPools} (anyone; the distributor also sweeps
 * before each root): a per-mint transfer would cost every mint ~12k gas more. Every pool is
 * traceable to its token: `Mint` carries the price and {PlatformBpsUpdated} the rate, and
 * {CreatorPoolsSwept} carries the running total. EIP-2981 royalties go to a per-project
 * {RoyaltyReceiver} clone that forwards to the distributor tagged with the project id.
 *
 * @dev Storage layout (after OpenZeppelin's ERC721, ERC2981 and Ownable2Step):
 * - `_ledger`: one slot, written by every mint: platformBps (2 bytes) | externalRandomizer (1) |
 *   platformBalance (14) | creatorPoolsPending (14).
 * - `_mintStates[projectId]`: one slot, read and written by every mint: price (12 bytes) |
 *   invocations (3) | maxSupply (3) | paused (1) | previewMint (1).
 * - `_projects[projectId]`: cold data: author (20) | royaltyBps (2) | steps, guidanceX100, width,
 *   height (2 each); royaltyReceiver; modelId; name; prompt; scheduler.
 * - `_tokenHashes[tokenId]`: the token hash (one slot per token).
 * - `_seedBitmaps[keccak256(projectId, minter, seed >> 8)]`: bit `seed & 255` set once minted, so
 *   a collector's seeds 0-255 of a project share one slot (seeds are meant to be small integers
 *   counted up from 0 by the preview page).
 * - `_randomizerHashes[keccak256(projectId, hash)]`: hashes a pluggable randomizer returned.
 *
 * A mint costs: 21k base, 22.1k owner + 22.1k hash slots (fresh), 5k (2.9k + cold read) each for
 * the balance, mint-state and ledger slots, ~4.3k for the Transfer and Mint events.
 */
contract ArtCore is IArtCore, ERC721, ERC2981, Ownable2Step {
    // ───────────────────────────────────────── constants ───────────────────────────────────────────

    /// @notice Token ids of one project: `projectId * TOKENS_PER_PROJECT + invocation`.
    uint256 public constant TOKENS_PER_PROJECT = 1_000_000;

    /// @notice Cap (and default) of the platform share, in basis points.
    uint256 public constant MAX_PLATFORM_BPS = 1000;

    /// @notice Royalty rate of a new project, and the cap an author may set, in basis points.
    uint256 public constant DEFAULT_ROYALTY_BPS = 500;
    uint256 public constant MAX_ROYALTY_BPS = 1000;

    /// @notice Most denoising steps a project may ask for.
    uint256 public constant MAX_STEPS = 1000;

    uint256 private constant _BPS = 10_000;

    // ────────────────────────────────────────── storage ────────────────────────────────────────────

    struct Ledger {
        uint16 platformBps;
        bool externalRandomizer;
        uint112 platformBalance;
        uint112 creatorPoolsPending;
    }

    struct MintState {
        uint96 price;
        uint24 invocations;
        uint24 maxSupply;
        bool paused;
        bool previewMint;
    }

    struct Project {
        address author;
        uint16 royaltyBps;
        uint16 steps;
        uint16 guidanceX100;
        uint16 width;
        uint16 height;
        address royaltyReceiver;
        bytes32 modelId;
        string name;
        string prompt;
        string scheduler;
    }

    IPayoutDistributor private immutable _distributor;
    address private immutable _receiverImplementation;

    Ledger private _ledger;
    address private _randomizer;
    address private _platform;
    uint256 private _projectCount;
    uint256 private _creatorPoolsSwept;
    uint256 private _platformWithdrawn;
    string private _baseTokenURI;

    mapping(uint256 projectId => MintState) private _mintStates;
    mapping(uint256 projectId => Project) private _projects;
    mapping(uint256 tokenId => bytes32) private _tokenHashes;
    mapping(bytes32 key => uint256) private _seedBitmaps;
    mapping(bytes32 key => bool) private _randomizerHashes;

    /**
     * @param name_ ERC-721 name; @param symbol_ ERC-721 symbol.
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
    ) ERC721(name_, symbol_) Ownable(initialOwner) {
        if (platform_ == address(0)) revert ArtCoreInvalidAddress(platform_);
        if (address(distributor_).code.length == 0) revert ArtCoreInvalidAddress(address(distributor_));
        _distributor = distributor_;
        _receiverImplementation = address(new RoyaltyReceiver(distributor_));
        _ledger.platformBps = uint16(MAX_PLATFORM_BPS);
        _platform = platform_;
        emit PlatformBpsUpdated(MAX_PLATFORM_BPS);
        emit PlatformRecipientUpdated(platform_);
    }

    // ─────────────────────────────────────────── mints ─────────────────────────────────────────────

    /**
     * @notice Mints the next token of `projectId` to the caller, with a random hash.
     *
     * Requirements: the project exists, is active and not sold out; `msg.value` is its price.
     *
     * Emits {Transfer} and {Mint}.
     */
    function mint(uint256 projectId) external payable returns (uint256 tokenId) {
        bool useRandomizer;
        (tokenId, useRandomizer) = _sell(projectId, false);
        bytes32 hash = useRandomizer
            ? _randomizerHash(projectId, tokenId)
            : HashRules.randomHash(address(this), tokenId);
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
        (tokenId, ) = _sell(projectId, true);
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
     * @notice Sends every pending creator pool to the distributor, tagged with project id 0 (the
     * tokens are traced by their `Mint` events). Anyone may call it; it returns 0 and does
     * nothing when no pool is pending.
     *
     * Emits {CreatorPoolsSwept} (and the distributor's `Deposited`).
     */
    function sweepCreatorPools() external returns (uint256 amount) {
        amount = _ledger.creatorPoolsPending;
        if (amount == 0) return 0;
        _ledger.creatorPoolsPending = 0;
        uint256 total = _creatorPoolsSwept + amount;
        _creatorPoolsSwept = total;
        emit CreatorPoolsSwept(address(_distributor), amount, total);
        _distributor.deposit{value: amount}(0);
    }

    /**
     * @notice Pays the whole platform balance to `to`.
     *
     * Requirements: the caller is the platform recipient; `to` is not zero; the balance is not zero.
     *
     * Emits a {PlatformWithdrawn} event.
     */
    function withdrawPlatformBalance(address payable to) external returns (uint256 amount) {
        if (msg.sender != _platform) revert ArtCoreUnauthorizedPlatform(msg.sender);
        if (to == address(0)) revert ArtCoreInvalidAddress(to);
        amount = _ledger.platformBalance;
        if (amount == 0) revert ArtCoreNothingToWithdraw();
        _ledger.platformBalance = 0;
        _platformWithdrawn += amount;
        emit PlatformWithdrawn(to, amount);
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert ArtCoreTransferFailed(to, amount);
    }

    // ───────────────────────────────────────── projects ────────────────────────────────────────────

    /**
     * @notice Creates a project authored by the caller and returns its id (ids start at 1). It
     * starts active, with a {RoyaltyReceiver} clone at {DEFAULT_ROYALTY_BPS}.
     *
     * Requirements: a non-empty name and prompt, a non-zero model id, valid settings (steps
     * 1-{MAX_STEPS}, width and height positive multiples of 8, a scheduler name), a price below
     * 2^96 wei, and a max supply of 1 to {TOKENS_PER_PROJECT}.
     *
     * Emits {ProjectCreated} then {ProjectRoyaltyUpdated}.
     */
    function createProject(
        string calldata name,
        string calldata prompt,
        bytes32 modelId,
        RenderSettings calldata settings,
        uint256 price,
        uint256 maxSupply,
        bool previewMint
    ) external returns (uint256 projectId) {
        _checkPrice(price);
        if (maxSupply == 0 || maxSupply > TOKENS_PER_PROJECT) {
            revert ArtCoreInvalidMaxSupply(maxSupply, 1, TOKENS_PER_PROJECT);
        }
        projectId = ++_projectCount;
        Project storage p = _projects[projectId];
        _storeDetails(p, name, prompt, modelId, settings);
        address receiver = Clones.cloneWithImmutableArgs(_receiverImplementation, abi.encode(projectId));
        p.author = msg.sender;
        p.royaltyBps = uint16(DEFAULT_ROYALTY_BPS);
        p.royaltyReceiver = receiver;
        _mintStates[projectId] = MintState({
            price: uint96(price),
            invocations: 0,
            maxSupply: uint24(maxSupply),
            paused: false,
            previewMint: previewMint
        });
        emit ProjectCreated(projectId, msg.sender, name, prompt, modelId, settings, price, maxSupply, previewMint);
        emit ProjectRoyaltyUpdated(projectId, receiver, DEFAULT_ROYALTY_BPS);
    }

    /**
     * @notice Replaces the name, prompt, model id and render settings of `projectId`.
     *
     * Requirements: the caller is the author; nothing minted yet; the same checks as
     * {createProject}.
     *
     * Emits a {ProjectDetailsUpdated} event.
     */
    function updateProjectDetails(
        uint256 projectId,
        string calldata name,
        string calldata prompt,
        bytes32 modelId,
        RenderSettings calldata settings
    ) external {
        Project storage p = _authorized(projectId, false);
        uint256 invocations = _mintStates[projectId].invocations;
        if (invocations != 0) revert ArtCoreProjectLocked(projectId, invocations);
        _storeDetails(p, name, prompt, modelId, settings);
        emit ProjectDetailsUpdated(projectId, name, prompt, modelId, settings);
    }

    /**
     * @notice Sets the price of `projectId`'s next mints.
     *
     * Requirements: the caller is the author; `price` < 2^96.
     *
     * Emits a {ProjectPriceUpdated} event.
     */
    function updateProjectPrice(uint256 projectId, uint256 price) external {
        _authorized(projectId, false);
        _checkPrice(price);
        _mintStates[projectId].price = uint96(price);
        emit ProjectPriceUpdated(projectId, price);
    }

    /**
     * @notice Lowers the max supply of `projectId` (never raises it: collectors bought scarcity).
     *
     * Requirements: the caller is the author; invocations (at least 1) <= `maxSupply` <= the
     * current max supply.
     *
     * Emits a {ProjectMaxSupplyUpdated} event.
     */
    function updateProjectMaxSupply(uint256 projectId, uint256 maxSupply) external {
        _authorized(projectId, false);
        MintState storage s = _mintStates[projectId];
        uint256 floor = s.invocations == 0 ? 1 : s.invocations;
        if (maxSupply < floor || maxSupply > s.maxSupply) {
            revert ArtCoreInvalidMaxSupply(maxSupply, floor, s.maxSupply);
        }
        s.maxSupply = uint24(maxSupply);
        emit ProjectMaxSupplyUpdated(projectId, maxSupply);
    }

    /**
     * @notice Pauses (`active` false) or resumes minting of `projectId`.
     *
     * Requirements: the caller is the author or the owner (moderation).
     *
     * Emits a {ProjectActiveUpdated} event.
     */
    function setProjectActive(uint256 projectId, bool active) external {
        _authorized(projectId, true);
        _mintStates[projectId].paused = !active;
        emit ProjectActiveUpdated(projectId, active);
    }

    /**
     * @notice Allows or disallows preview minting ({mintWithSeed}) of `projectId`.
     *
     * Requirements: the caller is the author.
     *
     * Emits a {ProjectPreviewMintUpdated} event.
     */
    function setProjectPreviewMint(uint256 projectId, bool previewMint) external {
        _authorized(projectId, false);
        _mintStates[projectId].previewMint = previewMint;
        emit ProjectPreviewMintUpdated(projectId, previewMint);
    }

    /**
     * @notice Sets the EIP-2981 royalty rate of `projectId` (paid to its receiver clone).
     *
     * Requirements: the caller is the author; `bps` <= {MAX_ROYALTY_BPS}.
     *
     * Emits a {ProjectRoyaltyUpdated} event.
     */
    function updateProjectRoyaltyBps(uint256 projectId, uint256 bps) external {
        Project storage p = _authorized(projectId, false);
        if (bps > MAX_ROYALTY_BPS) revert ArtCoreInvalidRoyaltyBps(bps, MAX_ROYALTY_BPS);
        p.royaltyBps = uint16(bps);
        emit ProjectRoyaltyUpdated(projectId, p.royaltyReceiver, bps);
    }

    // ─────────────────────────────────────────── owner ─────────────────────────────────────────────

    /**
     * @notice Sets the prefix of every token URI (the token id is appended).
     *
     * Emits a {BaseURIUpdated} event.
     */
    function setBaseURI(string calldata baseURI) external onlyOwner {
        _baseTokenURI = baseURI;
        emit BaseURIUpdated(baseURI);
    }

    /**
     * @notice Sets the platform share of the sales made from now on.
     *
     * Requirements: `bps` <= {MAX_PLATFORM_BPS}.
     *
     * Emits a {PlatformBpsUpdated} event.
     */
    function setPlatformBps(uint256 bps) external onlyOwner {
        if (bps > MAX_PLATFORM_BPS) revert ArtCoreInvalidPlatformBps(bps, MAX_PLATFORM_BPS);
        _ledger.platformBps = uint16(bps);
        emit PlatformBpsUpdated(bps);
    }

    /**
     * @notice Sets who withdraws the platform balance.
     *
     * Requirements: `platform_` is not zero.
     *
     * Emits a {PlatformRecipientUpdated} event.
     */
    function setPlatformRecipient(address platform_) external onlyOwner {
        if (platform_ == address(0)) revert ArtCoreInvalidAddress(platform_);
        _platform = platform_;
        emit PlatformRecipientUpdated(platform_);
    }

    /**
     * @notice Plugs in an {IRandomizer} for random mints, or the zero address for the built-in
     * rule (the cheaper default: no external call).
     *
     * Requirements: `randomizer_` is zero or a contract.
     *
     * Emits a {RandomizerUpdated} event.
     */
    function setRandomizer(address randomizer_) external onlyOwner {
        if (randomizer_ != address(0) && randomizer_.code.length == 0) revert ArtCoreInvalidAddress(randomizer_);
        _randomizer = randomizer_;
        _ledger.externalRandomizer = randomizer_ != address(0);
        emit RandomizerUpdated(randomizer_);
    }

    // ─────────────────────────────────────────── views ─────────────────────────────────────────────

    /// @notice Everything about `projectId` (reverts for unknown projects).
    function project(uint256 projectId) external view returns (ProjectInfo memory info) {
        Project storage p = _existing(projectId);
        MintState memory s = _mintStates[projectId];
        info = ProjectInfo({
            author: p.author,
            name: p.name,
            prompt: p.prompt,
            modelId: p.modelId,
            settings: RenderSettings(p.steps, p.guidanceX100, p.width, p.height, p.scheduler),
            price: s.price,
            invocations: s.invocations,
            maxSupply: s.maxSupply,
            active: !s.paused,
            previewMint: s.previewMint,
            royaltyReceiver: p.royaltyReceiver,
            royaltyBps: p.royaltyBps
        });
    }

    /// @notice Number of projects created; ids run from 1 to this.
    function projectCount() external view returns (uint256) {
        return _projectCount;
    }

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

    /// @inheritdoc IArtCore
    function royaltyReceiver(uint256 projectId) external view returns (address) {
        return _projects[projectId].royaltyReceiver;
    }

    /// @notice EIP-2981: the project's receiver clone and its rate (zero for unknown projects).
    function royaltyInfo(
        uint256 tokenId,
        uint256 salePrice
    ) public view override returns (address receiver, uint256 amount) {
        Project storage p = _projects[tokenId / TOKENS_PER_PROJECT];
        return (p.royaltyReceiver, (salePrice * p.royaltyBps) / _BPS);
    }

    /// @notice The PayoutDistributor that receives creator pools and royalties.
    function distributor() external view returns (address) {
        return address(_distributor);
    }

    /// @notice The implementation every project's {RoyaltyReceiver} clone delegates to.
    function royaltyReceiverImplementation() external view returns (address) {
        return _receiverImplementation;
    }

    /// @notice The pluggable randomizer (the zero address: the built-in rule).
    function randomizer() external view returns (address) {
        return _randomizer;
    }

    /// @notice Who withdraws the platform balance.
    function platformRecipient() external view returns (address) {
        return _platform;
    }

    /// @notice The platform share of new sales, in basis points.
    function platformBps() external view returns (uint256) {
        return _ledger.platformBps;
    }

    /**
     * @notice The money this contract accounts for. At all times `address(this).balance ==
     * platformBalance + creatorPoolsPending`, and the sum of all sale prices equals
     * `platformBalance + platformWithdrawn + creatorPoolsPending + creatorPoolsSwept`.
     */
    function ledger()
        external
        view
        returns (
            uint256 platformBalance,
            uint256 platformWithdrawn,
            uint256 creatorPoolsPending,
            uint256 creatorPoolsSwept
        )
    {
        Ledger memory l = _ledger;
        return (l.platformBalance, _platformWithdrawn, l.creatorPoolsPending, _creatorPoolsSwept);
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, ERC2981) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ────────────────────────────────────────── private ────────────────────────────────────────────

    /// @dev Checks and records a sale of the next token of `projectId`; returns its id and
    /// whether the pluggable randomizer is on. One read and one write of each of the project's
    /// mint state and the ledger.
    function _sell(uint256 projectId, bool preview) private returns (uint256 tokenId, bool useRandomizer) {
        // CHECKS
        MintState memory s = _mintStates[projectId];
        if (s.maxSupply == 0) revert ArtCoreNonexistentProject(projectId);
        if (s.paused) revert ArtCoreProjectPaused(projectId);
        if (preview && !s.previewMint) revert ArtCorePreviewMintDisabled(projectId);
        if (s.invocations >= s.maxSupply) revert ArtCoreProjectSoldOut(projectId, s.maxSupply);
        if (msg.value != s.price) revert ArtCoreWrongPayment(projectId, s.price, msg.value);

        // EFFECTS
        Ledger memory l = _ledger;
        unchecked {
            // invocations < maxSupply <= 1e6 fits 24 bits; projectId <= _projectCount, far from
            // overflowing once multiplied by 1e6.
            tokenId = projectId * TOKENS_PER_PROJECT + s.invocations;
            _mintStates[projectId].invocations = s.invocations + 1;
            // price < 2^96 and bps <= 1000: no overflow. Both balances are at most this
            // contract's ether balance, far below 2^112 wei.
            uint256 platformShare = (msg.value * l.platformBps) / _BPS;
            l.platformBalance += uint112(platformShare);
            l.creatorPoolsPending += uint112(msg.value - platformShare);
        }
        _ledger = l;
        useRandomizer = l.externalRandomizer;
    }

    /// @dev Stores the hash, mints `tokenId` to the caller, emits {Mint}.
    function _mintToken(uint256 projectId, uint256 tokenId, bytes32 hash) private {
        _tokenHashes[tokenId] = hash;
        _mint(msg.sender, tokenId);
        emit Mint(msg.sender, tokenId, projectId, hash, msg.value);
    }

    /// @dev Asks the pluggable randomizer, refusing zero and repeated hashes.
    function _randomizerHash(uint256 projectId, uint256 tokenId) private returns (bytes32 hash) {
        hash = IRandomizer(_randomizer).assignTokenHash(tokenId);
        if (hash == 0) revert ArtCoreZeroHash(tokenId);
        bytes32 key = keccak256(abi.encode(projectId, hash));
        if (_randomizerHashes[key]) revert ArtCoreHashAlreadyMinted(projectId, hash);
        _randomizerHashes[key] = true;
    }

    function _seedKey(uint256 projectId, address minter, uint256 seed) private pure returns (bytes32) {
        return keccak256(abi.encode(projectId, minter, seed >> 8));
    }

    function _storeDetails(
        Project storage p,
        string calldata name,
        string calldata prompt,
        bytes32 modelId,
        RenderSettings calldata settings
    ) private {
        if (bytes(name).length == 0) revert ArtCoreInvalidName(name);
        if (bytes(prompt).length == 0) revert ArtCoreInvalidPrompt(prompt);
        if (modelId == 0) revert ArtCoreInvalidModelId(modelId);
        if (
            settings.steps == 0 ||
            settings.steps > MAX_STEPS ||
            settings.width == 0 ||
            settings.width % 8 != 0 ||
            settings.height == 0 ||
            settings.height % 8 != 0 ||
            bytes(settings.scheduler).length == 0
        ) revert ArtCoreInvalidRenderSettings(settings.steps, settings.width, settings.height, settings.scheduler);
        p.name = name;
        p.prompt = prompt;
        p.modelId = modelId;
        p.steps = settings.steps;
        p.guidanceX100 = settings.guidanceX100;
        p.width = settings.width;
        p.height = settings.height;
        p.scheduler = settings.scheduler;
    }

    function _checkPrice(uint256 price) private pure {
        if (price > type(uint96).max) revert ArtCoreInvalidPrice(price);
    }

    function _existing(uint256 projectId) private view returns (Project storage p) {
        p = _projects[projectId];
        if (p.author == address(0)) revert ArtCoreNonexistentProject(projectId);
    }

    /// @dev The project, if the caller is its author (or, with `ownerToo`, the owner).
    function _authorized(uint256 projectId, bool ownerToo) private view returns (Project storage p) {
        p = _existing(projectId);
        if (msg.sender != p.author && !(ownerToo && msg.sender == owner())) {
            revert ArtCoreUnauthorizedAuthor(projectId, msg.sender);
        }
    }

    function _baseURI() internal view override returns (string memory) {
        return _baseTokenURI;
    }
}
