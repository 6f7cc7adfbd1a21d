// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @notice Interface of StyleLedger's ERC-721 core: prompt authors create projects (prompt, model id,
 * render settings, price, supply); collectors mint hash-deterministic tokens; each sale splits
 * into a platform share and a creator pool that reaches the PayoutDistributor.
 *
 * Project ids start at 1; token id = `projectId * 1_000_000 + invocation` (invocations from 0).
 * The indexer needs events alone: every state change emits one carrying the new values.
 */
interface IArtCore {
    // ─────────────────────────────────────────── types ─────────────────────────────────────────────

    /// @dev How the generator renders a project's tokens (guidance is scaled by 100: 7.5 -> 750).
    struct RenderSettings {
        uint16 steps;
        uint16 guidanceX100;
        uint16 width;
        uint16 height;
        string scheduler;
    }

    /// @dev Everything known about a project, as returned by {project}.
    struct ProjectInfo {
        address author;
        string name;
        string prompt;
        bytes32 modelId;
        RenderSettings settings;
        uint256 price;
        uint256 invocations;
        uint256 maxSupply;
        bool active;
        bool previewMint;
        address royaltyReceiver;
        uint256 royaltyBps;
    }

    // ─────────────────────────────────────────── errors ────────────────────────────────────────────

    /// @dev `projectId` was never created.
    error ArtCoreNonexistentProject(uint256 projectId);

    /// @dev `account` is not the author of `projectId` (nor, where allowed, the owner).
    error ArtCoreUnauthorizedAuthor(uint256 projectId, address account);

    /// @dev `projectId` is paused by its author or, with `moderated`, by the owner: no mints.
    error ArtCoreProjectPaused(uint256 projectId, bool moderated);

    /// @dev The details of `projectId` changed in this block (`blockNumber`): it mints from the next.
    error ArtCoreDetailsJustUpdated(uint256 projectId, uint256 blockNumber);

    /// @dev All `maxSupply` tokens of `projectId` are minted.
    error ArtCoreProjectSoldOut(uint256 projectId, uint256 maxSupply);

    /// @dev A mint of `projectId` must pay exactly `price`; `paid` was sent.
    error ArtCoreWrongPayment(uint256 projectId, uint256 price, uint256 paid);

    /// @dev `projectId` does not allow preview minting ({mintWithSeed}).
    error ArtCorePreviewMintDisabled(uint256 projectId);

    /// @dev `hash` was already minted in `projectId`.
    error ArtCoreHashAlreadyMinted(uint256 projectId, bytes32 hash);

    /// @dev The randomizer answered a zero hash for `tokenId`.
    error ArtCoreZeroHash(uint256 tokenId);

    /// @dev A project name must not be empty.
    error ArtCoreInvalidName(string name);

    /// @dev A project prompt must hold a word: an ASCII letter or digit (docs/words.md).
    error ArtCoreInvalidPrompt(string prompt);

    /// @dev A name, prompt, URI or reason of `length` bytes is longer than `max`.
    error ArtCoreTextTooLong(uint256 length, uint256 max);

    /// @dev A moderation action needs a reason.
    error ArtCoreMissingReason();

    /// @dev A model id (sha256 of the weight files) must not be zero.
    error ArtCoreInvalidModelId(bytes32 modelId);

    /// @dev Denoising steps must be 1 to `max`; `steps` were asked for.
    error ArtCoreInvalidSteps(uint256 steps, uint256 max);

    /// @dev Guidance times 100 must be at most `max` (guidance 100); `guidanceX100` was given.
    error ArtCoreInvalidGuidance(uint256 guidanceX100, uint256 max);

    /// @dev An image side must lie in [`min`, `max`] pixels and be a multiple of `multiple`.
    error ArtCoreInvalidSide(uint256 side, uint256 min, uint256 max, uint256 multiple);

    /// @dev `scheduler` is not one the generator renders with (exact spelling: `schedulers()`).
    error ArtCoreInvalidScheduler(string scheduler);

    /// @dev A price must fit in 96 bits (about 79 billion ether).
    error ArtCoreInvalidPrice(uint256 price);

    /// @dev A max supply must lie in [`min`, `max`] (`min` is 1, or the invocations already made).
    error ArtCoreInvalidMaxSupply(uint256 maxSupply, uint256 min, uint256 max);

    /// @dev The prompt, model and settings of `projectId` are fixed once it has `invocations` > 0.
    error ArtCoreProjectLocked(uint256 projectId, uint256 invocations);

    /// @dev The platform share is capped at `max` basis points.
    error ArtCoreInvalidPlatformBps(uint256 bps, uint256 max);

    /// @dev A project's royalty is capped at `max` basis points.
    error ArtCoreInvalidRoyaltyBps(uint256 bps, uint256 max);

    /// @dev The zero address (or another unusable address) was given where one is needed.
    error ArtCoreInvalidAddress(address account);

    /// @dev Only the platform recipient may withdraw the platform balance; `account` is not it.
    error ArtCoreUnauthorizedPlatform(address account);

    /// @dev Nothing to send: the balance in question is zero.
    error ArtCoreNothingToWithdraw();

    /// @dev Sending `amount` wei to `to` failed.
    error ArtCoreTransferFailed(address to, uint256 amount);

    /// @dev `sender` sent `value` wei with selector `selector` (0: none) that nothing here takes.
    error ArtCoreUnexpectedCall(address sender, uint256 value, bytes4 selector);

    /// @dev Ownership cannot be renounced: the owner role moderates and sets the platform's terms.
    error ArtCoreOwnershipNotRenounceable();

    /// @dev A project pins at most `max` style adapters; `count` were given.
    error ArtCoreTooManyAdapters(uint256 count, uint256 max);

    /// @dev An adapter id (sha256 of the adapter's weight files) must not be zero.
    error ArtCoreInvalidAdapterId(bytes32 adapterId);

    /// @dev `adapterId` appears twice in a project's adapters.
    error ArtCoreDuplicateAdapter(bytes32 adapterId);

    // ─────────────────────────────────────────── events ────────────────────────────────────────────

    /// @notice A project was created (it starts active, royalty at the default rate: see
    /// {ProjectRoyaltyUpdated}, emitted right after).
    event ProjectCreated(
        uint256 indexed projectId,
        address indexed author,
        string name,
        string prompt,
        bytes32 modelId,
        RenderSettings settings,
        uint256 price,
        uint256 maxSupply,
        bool previewMint
    );

    /// @notice The name, prompt, model id or settings of `projectId` changed (only before its first mint).
    event ProjectDetailsUpdated(
        uint256 indexed projectId,
        string name,
        string prompt,
        bytes32 modelId,
        RenderSettings settings
    );

    /// @notice `projectId` renders with the style adapters `adapterIds`, loaded in this order
    /// (only before its first mint; emitted at creation by {createProjectWithAdapters}).
    event ProjectAdaptersUpdated(uint256 indexed projectId, bytes32[] adapterIds);

    /// @notice Mints of `projectId` now cost `price` wei.
    event ProjectPriceUpdated(uint256 indexed projectId, uint256 price);

    /// @notice `projectId` is now capped at `maxSupply` tokens.
    event ProjectMaxSupplyUpdated(uint256 indexed projectId, uint256 maxSupply);

    /// @notice `projectId` was paused (`active` false) or resumed by its author.
    event ProjectActiveUpdated(uint256 indexed projectId, bool active);

    /// @notice The owner paused (`moderated` true) or resumed `projectId` for moderation.
    event ProjectModerated(uint256 indexed projectId, bool moderated, string reason);

    /// @notice Preview minting ({mintWithSeed}) of `projectId` was allowed or disallowed.
    event ProjectPreviewMintUpdated(uint256 indexed projectId, bool previewMint);

    /// @notice EIP-2981 royalties of `projectId`: `bps` of each sale to `receiver`.
    event ProjectRoyaltyUpdated(uint256 indexed projectId, address receiver, uint256 bps);

    /// @notice `tokenId` of `projectId` was minted to `to` for `price` wei with token hash `hash`.
    /// Its creator pool is `price - price * platformBps / 10000` (platformBps as of the mint).
    event Mint(address indexed to, uint256 indexed tokenId, uint256 indexed projectId, bytes32 hash, uint256 price);

    /// @notice `tokenId` was minted by {mintWithSeed} with `seed`: its hash is
    /// `keccak256(abi.encode(core, projectId, seed, to))` (`to` from the {Mint} event).
    event MintedWithSeed(uint256 indexed tokenId, uint256 seed);

    /// @notice Sales from now on give the platform `bps` basis points.
    event PlatformBpsUpdated(uint256 bps);

    /// @notice The platform balance is withdrawn by `platform` from now on.
    event PlatformRecipientUpdated(address platform);

    /// @notice `amount` wei of the platform balance was paid to `to`.
    event PlatformWithdrawn(address indexed to, uint256 amount);

    /// @notice Random mints take their hash from `randomizer` (the zero address: the built-in rule).
    event RandomizerUpdated(address randomizer);

    /// @notice Token URIs are now `baseURI` followed by the token id.
    event BaseURIUpdated(string baseURI);

    /// @notice `amount` wei of creator pools went to `distributor`; `totalSwept` is the running sum,
    /// equal to the sum of the creator pools of every token minted before this event.
    event CreatorPoolsSwept(address indexed distributor, uint256 amount, uint256 totalSwept);

    // ───────────────────────────────────────── functions ───────────────────────────────────────────

    /// @notice Mints the next token of `projectId` to the caller with a random hash.
    function mint(uint256 projectId) external payable returns (uint256 tokenId);

    /// @notice Mints the next token of `projectId` to the caller with the hash of `seed`.
    function mintWithSeed(uint256 projectId, uint256 seed) external payable returns (uint256 tokenId);

    /// @notice Sends every pending creator pool to the distributor (anyone may call).
    function sweepCreatorPools() external returns (uint256 amount);

    /// @notice The EIP-2981 receiver clone of `projectId` (the zero address for unknown projects).
    function royaltyReceiver(uint256 projectId) external view returns (address);

    /// @notice The hash of `tokenId` (reverts for tokens that do not exist).
    function tokenHash(uint256 tokenId) external view returns (bytes32);
}
