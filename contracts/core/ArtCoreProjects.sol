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
 * prompt, model id and render settings only before the first mint, since every minted image
 * depends on them. Each project gets a {RoyaltyReceiver} clone, its EIP-2981 receiver, which
 * forwards to the distributor tagged with the project id.
 *
 * @dev Storage:
 * - `_projectCount`: ids run from 1 to it.
 * - `_mintStates[projectId]`: one slot, read and written by every mint: price (12 bytes) |
 *   invocations (3) | maxSupply (3) | paused (1) | previewMint (1).
 * - `_projects[projectId]`: cold data: author (20) | royaltyBps (2) | steps, guidanceX100, width,
 *   height (2 each); royaltyReceiver; modelId; name; prompt; scheduler.
 */
abstract contract ArtCoreProjects is IArtCore, Ownable2Step {
    // ───────────────────────────────────────── constants ───────────────────────────────────────────

    /// @notice Token ids of one project: `projectId * TOKENS_PER_PROJECT + invocation`.
    uint256 public constant TOKENS_PER_PROJECT = 1_000_000;

    /// @notice Royalty rate of a new project, in basis points.
    uint256 public constant DEFAULT_ROYALTY_BPS = 500;

    /// @notice Highest royalty rate an author may set, in basis points.
    uint256 public constant MAX_ROYALTY_BPS = 1000;

    /// @notice Most denoising steps a project may ask for.
    uint256 public constant MAX_STEPS = 1000;

    // ────────────────────────────────────────── storage ────────────────────────────────────────────

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
     * @notice Allows or disallows preview minting (`mintWithSeed`) of `projectId`.
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
     * Requirements: the project exists, is active and not sold out; `paid` is its price; with
     * `preview`, the project allows preview minting.
     */
    function _takeNextToken(uint256 projectId, bool preview, uint256 paid) internal returns (uint256 tokenId) {
        MintState memory s = _mintStates[projectId];
        if (s.maxSupply == 0) revert ArtCoreNonexistentProject(projectId);
        if (s.paused) revert ArtCoreProjectPaused(projectId);
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

    /// @dev A price must fit the mint state's 96 bits.
    function _checkPrice(uint256 price) private pure {
        if (price > type(uint96).max) revert ArtCoreInvalidPrice(price);
    }

    /// @dev The project `projectId`, which must exist.
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
}
