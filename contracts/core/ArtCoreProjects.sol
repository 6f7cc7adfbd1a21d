// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

import {IArtCore} from "../interfaces/IArtCore.sol";
import {IPayoutDistributor} from "../interfaces/IPayoutDistributor.sol";
import {RoyaltyReceiver} from "../RoyaltyReceiver.sol";

/**
 * @title ArtCoreProjects
 * @notice The projects part of {ArtCore}. Anyone may create a project and becomes its author
 * (permissionless, like an open launchpad: the author pays the gas, the indexer renders only
 * models it holds, and the owner may pause a project that abuses the platform). The author alone
 * updates it: price, max supply (only down), active/paused, preview minting, royalty rate; the
 * prompt, model id, render settings and style adapters only before the first mint, since every
 * minted image depends on them. Each project gets a {RoyaltyReceiver} clone, its EIP-2981
 * receiver, which forwards to the distributor tagged with the project id.
 *
 * What the contract accepts, the generator renders (DESIGN.md): render settings and prompts are
 * checked against the generator's own table (`generator/limits.py`, held to these constants by
 * tests/contracts/test_render_table.py): steps 1-{MAX_STEPS}, guidance 0-100
 * ({MAX_GUIDANCE_X100}), sides {MIN_SIDE}-{MAX_SIDE} in multiples of {SIDE_MULTIPLE}, a scheduler
 * of {schedulers} spelled exactly, a prompt of at most {MAX_PROMPT_LENGTH} bytes holding a word
 * (an ASCII letter or digit: docs/words.md), at most {MAX_ADAPTERS} style adapters (distinct,
 * non-zero ids). A change of details, adapters included, cannot land ahead of a mint in the same
 * block: the project mints again from the next block on, so a collector never pays for an image
 * other than the one the page showed.
 *
 * Pauses. The author's pause ({setProjectActive}) and the owner's moderation
 * ({setProjectModerated}) are separate flags: a project mints only when neither is set, and
 * neither lifts the other.
 *
 * @dev Storage:
 * - `_projectCount`: ids run from 1 to it.
 * - `_mintStates[projectId]`: one slot, read and written by every mint: price (12 bytes) |
 *   invocations (3) | maxSupply (3) | paused (1) | previewMint (1) | moderated (1) |
 *   detailsBlock (8, the block of the last details change: no mint in it).
 * - `_projects[projectId]`: cold data: author (20) | royaltyBps (2) | steps, guidanceX100, width,
 *   height (2 each); royaltyReceiver; modelId; name; prompt; scheduler; adapterIds (the style
 *   adapters it renders with: never read by a mint).
 */
abstract contract ArtCoreProjects is IArtCore, Ownable2Step {
    // ───────────────────────────────────────── constants ───────────────────────────────────────────

    /// @notice Token ids of one project: `projectId * TOKENS_PER_PROJECT + invocation`.
    uint256 public constant TOKENS_PER_PROJECT = 1_000_000;

    /// @notice Royalty rate of a new project, in basis points.
    uint256 public constant DEFAULT_ROYALTY_BPS = 500;

    /// @notice Highest royalty rate an author may set, in basis points.
    uint256 public constant MAX_ROYALTY_BPS = 1000;

    /// @notice Most denoising steps a project may ask for (generator/limits.py MAX_STEPS).
    uint256 public constant MAX_STEPS = 1000;

    /// @notice Highest guidance scale times 100 (generator/limits.py MAX_GUIDANCE: 100).
    uint256 public constant MAX_GUIDANCE_X100 = 10_000;

    /// @notice Smallest image side, in pixels (generator/limits.py MIN_SIDE).
    uint256 public constant MIN_SIDE = 8;

    /// @notice Largest image side, in pixels (generator/limits.py MAX_SIDE).
    uint256 public constant MAX_SIDE = 4096;

    /// @notice Image sides are multiples of this (generator/limits.py SIDE_MULTIPLE).
    uint256 public constant SIDE_MULTIPLE = 8;

    /// @notice Longest prompt, in bytes (generator/limits.py MAX_PROMPT_BYTES).
    uint256 public constant MAX_PROMPT_LENGTH = 1000;

    /// @notice Longest project name, in bytes.
    uint256 public constant MAX_NAME_LENGTH = 128;

    /// @notice Most style adapters a project may pin (generator/limits.py MAX_ADAPTERS).
    uint256 public constant MAX_ADAPTERS = 4;

    // The schedulers of generator/limits.py SCHEDULERS, exact spelling.
    bytes32 private constant _DDIM = keccak256("ddim");
    bytes32 private constant _DPM = keccak256("dpm");
    bytes32 private constant _EULER = keccak256("euler");

    // ────────────────────────────────────────── storage ────────────────────────────────────────────

    struct MintState {
        uint96 price;
        uint24 invocations;
        uint24 maxSupply;
        bool paused;
        bool previewMint;
        bool moderated;
        uint64 detailsBlock;
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
        bytes32[] adapterIds;
    }

    address private immutable _receiverImplementation;

    uint256 private _projectCount;
    mapping(uint256 projectId => MintState) private _mintStates;
    mapping(uint256 projectId => Project) private _projects;

    /// @notice Deploys the {RoyaltyReceiver} implementation that every project's clone delegates to.
    /// @param distributor_ the PayoutDistributor every project's royalty receiver forwards to.
    constructor(IPayoutDistributor distributor_) {
        _receiverImplementation = address(new RoyaltyReceiver(distributor_));
    }

    // ───────────────────────────────────────── projects ────────────────────────────────────────────

    /**
     * @notice Creates a project authored by the caller and returns its id (ids start at 1). It
     * starts active, with a {RoyaltyReceiver} clone at {DEFAULT_ROYALTY_BPS}.
     *
     * Requirements: a name of 1 to {MAX_NAME_LENGTH} bytes, a prompt the generator renders (see
     * the contract's notes), a non-zero model id, settings in the generator's table, a price
     * below 2^96 wei, and a max supply of 1 to {TOKENS_PER_PROJECT}.
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
    ) public returns (uint256 projectId) {
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
            previewMint: previewMint,
            moderated: false,
            detailsBlock: 0
        });
        emit ProjectCreated(projectId, msg.sender, name, prompt, modelId, settings, price, maxSupply, previewMint);
        emit ProjectRoyaltyUpdated(projectId, receiver, DEFAULT_ROYALTY_BPS);
    }

    /**
     * @notice Creates a project like {createProject} that renders with the style adapters
     * `adapterIds` (loaded in this order), in one transaction; returns its id.
     *
     * Requirements: those of {createProject}; at most {MAX_ADAPTERS} adapter ids, distinct and
     * non-zero.
     *
     * Emits {ProjectCreated}, {ProjectRoyaltyUpdated}, then {ProjectAdaptersUpdated}.
     */
    function createProjectWithAdapters(
        string calldata name,
        string calldata prompt,
        bytes32 modelId,
        RenderSettings calldata settings,
        uint256 price,
        uint256 maxSupply,
        bool previewMint,
        bytes32[] calldata adapterIds
    ) external returns (uint256 projectId) {
        projectId = createProject(name, prompt, modelId, settings, price, maxSupply, previewMint);
        _storeAdapters(projectId, _projects[projectId], adapterIds);
    }

    /**
     * @notice Replaces the name, prompt, model id and render settings of `projectId`.
     *
     * The project mints again from the next block on, so no change lands ahead of a mint in
     * the same block.
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
        Project storage p = _changeDetails(projectId);
        _storeDetails(p, name, prompt, modelId, settings);
        emit ProjectDetailsUpdated(projectId, name, prompt, modelId, settings);
    }

    /**
     * @notice Replaces the style adapters `projectId` renders with (`adapterIds`, loaded in this
     * order; an empty list: none).
     *
     * The project mints again from the next block on, as after {updateProjectDetails}.
     *
     * Requirements: the caller is the author; nothing minted yet; at most {MAX_ADAPTERS} adapter
     * ids, distinct and non-zero.
     *
     * Emits a {ProjectAdaptersUpdated} event.
     */
    function updateProjectAdapters(uint256 projectId, bytes32[] calldata adapterIds) external {
        _storeAdapters(projectId, _changeDetails(projectId), adapterIds);
    }

    /**
     * @notice Sets the price of `projectId`'s next mints.
     *
     * Requirements: the caller is the author; `price` < 2^96.
     *
     * Emits a {ProjectPriceUpdated} event.
     */
    function updateProjectPrice(uint256 projectId, uint256 price) external {
        _authorized(projectId);
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
        _authorized(projectId);
        MintState storage s = _mintStates[projectId];
        uint256 floor = s.invocations == 0 ? 1 : s.invocations;
        if (maxSupply < floor || maxSupply > s.maxSupply) {
            revert ArtCoreInvalidMaxSupply(maxSupply, floor, s.maxSupply);
        }
        s.maxSupply = uint24(maxSupply);
        emit ProjectMaxSupplyUpdated(projectId, maxSupply);
    }

    /**
     * @notice Pauses (`active` false) or resumes minting of `projectId`: the author's own pause.
     * It neither sets nor lifts the owner's moderation ({setProjectModerated}).
     *
     * Requirements: the caller is the author.
     *
     * Emits a {ProjectActiveUpdated} event.
     */
    function setProjectActive(uint256 projectId, bool active) external {
        _authorized(projectId);
        _mintStates[projectId].paused = !active;
        emit ProjectActiveUpdated(projectId, active);
    }

    /**
     * @notice Pauses (`moderated` true) or resumes minting of `projectId` for moderation: the
     * owner's pause. It neither sets nor lifts the author's own pause ({setProjectActive}).
     *
     * Requirements: the caller is the owner; `projectId` exists; `reason` is 1 to
     * {MAX_NAME_LENGTH} bytes.
     *
     * Emits a {ProjectModerated} event.
     */
    function setProjectModerated(uint256 projectId, bool moderated, string calldata reason) external onlyOwner {
        _existing(projectId);
        if (bytes(reason).length == 0) revert ArtCoreMissingReason();
        _checkLength(reason, MAX_NAME_LENGTH);
        _mintStates[projectId].moderated = moderated;
        emit ProjectModerated(projectId, moderated, reason);
    }

    /**
     * @notice Allows or disallows preview minting (`mintWithSeed`) of `projectId`.
     *
     * Requirements: the caller is the author.
     *
     * Emits a {ProjectPreviewMintUpdated} event.
     */
    function setProjectPreviewMint(uint256 projectId, bool previewMint) external {
        _authorized(projectId);
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
        Project storage p = _authorized(projectId);
        if (bps > MAX_ROYALTY_BPS) revert ArtCoreInvalidRoyaltyBps(bps, MAX_ROYALTY_BPS);
        p.royaltyBps = uint16(bps);
        emit ProjectRoyaltyUpdated(projectId, p.royaltyReceiver, bps);
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

    /// @notice The style adapters `projectId` renders with, in loading order (reverts for unknown
    /// projects).
    function projectAdapters(uint256 projectId) external view returns (bytes32[] memory) {
        return _existing(projectId).adapterIds;
    }

    /// @notice Whether the owner paused `projectId` for moderation ({setProjectModerated}).
    function projectModerated(uint256 projectId) external view returns (bool) {
        return _mintStates[projectId].moderated;
    }

    /// @notice The render schedulers a project may name (generator/limits.py SCHEDULERS).
    function schedulers() external pure returns (string[] memory names) {
        names = new string[](3);
        (names[0], names[1], names[2]) = ("ddim", "dpm", "euler");
    }

    /// @notice Number of projects created; ids run from 1 to this.
    function projectCount() external view returns (uint256) {
        return _projectCount;
    }

    /// @inheritdoc IArtCore
    function royaltyReceiver(uint256 projectId) external view returns (address) {
        return _projects[projectId].royaltyReceiver;
    }

    /// @notice The implementation every project's {RoyaltyReceiver} clone delegates to.
    function royaltyReceiverImplementation() external view returns (address) {
        return _receiverImplementation;
    }

    // ────────────────────────────────────────── internal ───────────────────────────────────────────

    /**
     * @dev Checks a sale of the next token of `projectId` for `paid` wei and counts it; returns the
     * token id. One read and one write of the project's mint state.
     *
     * Requirements: the project exists, is paused neither by its author nor by the owner, is not
     * sold out, and its details did not change in this block; `paid` is its price; with
     * `preview`, the project allows preview minting.
     */
    function _takeNextToken(uint256 projectId, bool preview, uint256 paid) internal returns (uint256 tokenId) {
        MintState memory s = _mintStates[projectId];
        if (s.maxSupply == 0) revert ArtCoreNonexistentProject(projectId);
        if (s.paused || s.moderated) revert ArtCoreProjectPaused(projectId, s.moderated);
        if (block.number <= s.detailsBlock) revert ArtCoreDetailsJustUpdated(projectId, s.detailsBlock);
        if (preview && !s.previewMint) revert ArtCorePreviewMintDisabled(projectId);
        if (s.invocations >= s.maxSupply) revert ArtCoreProjectSoldOut(projectId, s.maxSupply);
        if (paid != s.price) revert ArtCoreWrongPayment(projectId, s.price, paid);
        unchecked {
            // invocations < maxSupply <= 1e6 fits 24 bits; projectId <= _projectCount, far from
            // overflowing once multiplied by 1e6.
            tokenId = projectId * TOKENS_PER_PROJECT + s.invocations;
            _mintStates[projectId].invocations = s.invocations + 1;
        }
    }

    /// @dev The royalty receiver clone and rate of the project of `tokenId` (zeros if unknown).
    function _royalty(uint256 tokenId) internal view returns (address receiver, uint256 bps) {
        Project storage p = _projects[tokenId / TOKENS_PER_PROJECT];
        return (p.royaltyReceiver, p.royaltyBps);
    }

    // ────────────────────────────────────────── private ────────────────────────────────────────────

    /// @dev Checks and stores the fields a project's images depend on.
    function _storeDetails(
        Project storage p,
        string calldata name,
        string calldata prompt,
        bytes32 modelId,
        RenderSettings calldata settings
    ) private {
        if (bytes(name).length == 0) revert ArtCoreInvalidName(name);
        _checkLength(name, MAX_NAME_LENGTH);
        _checkLength(prompt, MAX_PROMPT_LENGTH);
        if (!_hasWord(bytes(prompt))) revert ArtCoreInvalidPrompt(prompt);
        if (modelId == 0) revert ArtCoreInvalidModelId(modelId);
        if (settings.steps == 0 || settings.steps > MAX_STEPS) revert ArtCoreInvalidSteps(settings.steps, MAX_STEPS);
        if (settings.guidanceX100 > MAX_GUIDANCE_X100) {
            revert ArtCoreInvalidGuidance(settings.guidanceX100, MAX_GUIDANCE_X100);
        }
        _checkSide(settings.width);
        _checkSide(settings.height);
        bytes32 scheduler = keccak256(bytes(settings.scheduler));
        if (scheduler != _DDIM && scheduler != _DPM && scheduler != _EULER) {
            revert ArtCoreInvalidScheduler(settings.scheduler);
        }
        p.name = name;
        p.prompt = prompt;
        p.modelId = modelId;
        p.steps = settings.steps;
        p.guidanceX100 = settings.guidanceX100;
        p.width = settings.width;
        p.height = settings.height;
        p.scheduler = settings.scheduler;
    }

    /// @dev Checks and stores the style adapters of `projectId` (at `p`), with their event.
    function _storeAdapters(uint256 projectId, Project storage p, bytes32[] calldata adapterIds) private {
        uint256 n = adapterIds.length;
        if (n > MAX_ADAPTERS) revert ArtCoreTooManyAdapters(n, MAX_ADAPTERS);
        for (uint256 i; i < n; ++i) {
            bytes32 id = adapterIds[i];
            if (id == 0) revert ArtCoreInvalidAdapterId(id);
            for (uint256 j; j < i; ++j) {
                if (adapterIds[j] == id) revert ArtCoreDuplicateAdapter(id);
            }
        }
        p.adapterIds = adapterIds;
        emit ProjectAdaptersUpdated(projectId, adapterIds);
    }

    /// @dev An image side in the generator's table.
    function _checkSide(uint256 side) private pure {
        if (side < MIN_SIDE || side > MAX_SIDE || side % SIDE_MULTIPLE != 0) {
            revert ArtCoreInvalidSide(side, MIN_SIDE, MAX_SIDE, SIDE_MULTIPLE);
        }
    }

    /// @dev Whether `prompt` holds a word: an ASCII letter (either case) or digit (docs/words.md).
    function _hasWord(bytes calldata prompt) private pure returns (bool) {
        for (uint256 i; i < prompt.length; ++i) {
            uint8 c = uint8(prompt[i]);
            if (((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || (c >= 0x30 && c <= 0x39)) return true;
        }
        return false;
    }

    /// @dev A name, prompt or reason of at most `max` bytes.
    function _checkLength(string calldata text, uint256 max) internal pure {
        if (bytes(text).length > max) revert ArtCoreTextTooLong(bytes(text).length, max);
    }

    /// @dev A price must fit the mint state's 96 bits.
    function _checkPrice(uint256 price) private pure {
        if (price > type(uint96).max) revert ArtCoreInvalidPrice(price);
    }

    /// @dev The project `projectId`, which must exist.
    function _existing(uint256 projectId) private view returns (Project storage p) {
        p = _projects[projectId];
        if (p.author == address(0)) revert ArtCoreNonexistentProject(projectId);
    }

    /**
     * @dev The project, if the caller is its author and nothing is minted yet; it mints again
     * from the next block on (no change of details lands ahead of a mint in the same block).
     */
    function _changeDetails(uint256 projectId) private returns (Project storage p) {
        p = _authorized(projectId);
        MintState storage s = _mintStates[projectId];
        uint256 invocations = s.invocations;
        if (invocations != 0) revert ArtCoreProjectLocked(projectId, invocations);
        s.detailsBlock = uint64(block.number);
    }

    /// @dev The project, if the caller is its author.
    function _authorized(uint256 projectId) private view returns (Project storage p) {
        p = _existing(projectId);
        if (msg.sender != p.author) {
            revert ArtCoreUnauthorizedAuthor(projectId, msg.sender);
        }
    }
}
