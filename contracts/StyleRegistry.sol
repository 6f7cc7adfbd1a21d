// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

import {IStyleRegistry} from "./interfaces/IStyleRegistry.sol";

/**
 * @title StyleRegistry
 * @notice Artists register their styles here: a display name, keywords, a payout address and a
 * metadata URI. The StyleLedger indexer maps prompt words to styles through the events (which
 * carry every new value) or through {resolveKeywords}.
 *
 * Style adapters (DESIGN.md). An artist who adds their own works to the training set records the
 * adapter learned from them on the style: its adapter id (sha256 of the adapter folder's weight
 * files, the model-id rule), the StandardMerkleTree root of the sha256 of each consented work
 * (leaf encoding `bytes32`) and the URI of their list, set with the registration
 * ({registerStyleWithAdapter}) or later ({setStyleAdapter}), in one transaction either way. An
 * adapter only teaches the model the style's keywords: earnings still follow the keywords, so
 * setting one redirects nothing and waits no delay; a suspended or opted-out style cannot set
 * one. A project pins the adapters it renders with (ArtCore), and the generator refuses any whose
 * hash differs.
 *
 * @dev Keywords. A keyword is `[a-z0-9]+(-[a-z0-9]+)*`, 2-32 bytes (docs/words.md): lower-case
 * ASCII letters and digits, single hyphens only between them. Anything else (upper case, spaces,
 * any other byte, a leading, trailing or doubled hyphen, too short, too long) reverts with
 * {StyleRegistryInvalidKeyword}: it is rejected, never rewritten. A keyword is held by at most one
 * style at a time, so it names at most one active style:
 *
 * - a style holds its keywords from {registerStyle} or {updateKeywords} until its owner replaces
 *   them with {updateKeywords} or a curator strips them from a suspended style with
 *   {revokeKeywords};
 * - opting out does NOT release keywords: the style stays inactive (no attribution for later
 *   mints) but nobody else can claim the artist's keywords meanwhile, so opting back in never
 *   conflicts with anyone;
 * - suspension does NOT release keywords either: the indexer keeps attributing to the suspended
 *   style and holds its shares until it is reinstated (DESIGN.md). If the suspension is about
 *   impersonation, a curator may {revokeKeywords} so the real artist can register them; a
 *   reinstated style then holds no keyword until its owner claims free ones;
 * - the same keyword twice in one call reverts with {StyleRegistryDuplicateKeyword}; a keyword
 *   held by another style reverts with {StyleRegistryKeywordTaken}.
 *
 * No key redirects earnings faster than the delay (DESIGN.md). Whatever routes a keyword's future
 * earnings to another payout address waits {payoutDelay}:
 * - payout changes go through {proposePayout} then {acceptPayout}, no earlier than {payoutDelay}
 *   seconds later AND in a later block; the proposal is public for the whole delay, during which
 *   the owner may {cancelPayout} and a curator may {suspend} the style, which cancels it;
 * - a keyword freed by its owner ({updateKeywords}) or by a curator ({revokeKeywords}) cools
 *   down: no other style may take it until {payoutDelay} seconds after it was freed
 *   ({StyleRegistryKeywordCooling}); meanwhile it names no style (its share goes to the prompt
 *   author, as after an opt-out). Its old style may take it back at once: that pays no one new.
 * So neither a stolen owner key, nor a curator, nor both in one transaction can move a keyword
 * to another payout address inside the delay. The delay is immutable (set at deployment, at most
 * {MAX_PAYOUT_DELAY}) so no admin can shorten it later; 0 is meant for dev chains only. Use a day
 * or more on public networks.
 *
 * Storage. Only what the contract enforces or answers is stored: owner, payout, flags, and one
 * slot per keyword. Names, keyword strings and metadata URIs live in events. Replacing a
 * style's keywords bumps the style's keyword generation instead of deleting the old entries: an
 * entry whose generation is not its style's current one is free. Layout:
 *
 * - `_styles[styleId]`: slot 0 = owner (20 bytes) | generation (8) | optedOut (1) | suspended (1);
 *   slot 1 = payout, left empty (zero) while the payout address is the owner itself, the common
 *   case, which saves a storage slot per registration.
 * - `_holders[keccak256(keyword)]`: styleId (8 bytes) | generation (8).
 * - `_pendingPayouts[styleId]`: payout (20 bytes) | effectiveAt (6) | proposedBlock (6).
 * - `_generationEnds[styleId][generation]`: when that keyword generation was replaced (its
 *   keywords freed), for the cool-down.
 * - `_adapters[styleId]`: adapterId; worksRoot (two slots, empty for a style without an adapter;
 *   the works URI lives in {StyleAdapterSet}, like the metadata URI in its event).
 */
contract StyleRegistry is IStyleRegistry, AccessControl {
    // ───────────────────────────────────────── constants ───────────────────────────────────────────

    /// @notice Role that may suspend, reinstate and strip keywords from styles.
    bytes32 public constant CURATOR_ROLE = keccak256("CURATOR_ROLE");

    /// @notice Most keywords one style may hold.
    uint256 public constant MAX_KEYWORDS = 16;

    /// @notice Shortest keyword, in bytes.
    uint256 public constant MIN_KEYWORD_LENGTH = 2;

    /// @notice Longest keyword, in bytes: a keyword fits in one word.
    uint256 public constant MAX_KEYWORD_LENGTH = 32;

    /// @notice Upper bound of the payout delay fixed at deployment.
    uint64 public constant MAX_PAYOUT_DELAY = 30 days;

    /// @notice Longest display name, in bytes.
    uint256 public constant MAX_NAME_LENGTH = 128;

    /// @notice Longest metadata URI or curator reason, in bytes.
    uint256 public constant MAX_URI_LENGTH = 512;

    /// @dev Bit `c` is set for every byte value `c` allowed in a keyword: `-`, `0`-`9`, `a`-`z`.
    uint256 private constant _KEYWORD_BYTES = (1 << 0x2d) | (0x3ff << 0x30) | (0x3ffffff << 0x61);

    // ────────────────────────────────────────── storage ────────────────────────────────────────────

    struct Style {
        address owner;
        uint64 generation;
        bool optedOut;
        bool suspended;
        address payout;
    }

    struct KeywordHolder {
        uint64 styleId;
        uint64 generation;
    }

    struct PendingPayout {
        address payout;
        uint48 effectiveAt;
        uint48 proposedBlock;
    }

    struct StyleAdapter {
        bytes32 adapterId;
        bytes32 worksRoot;
    }

    uint64 private immutable _payoutDelay;

    uint256 private _styleCount;
    mapping(uint256 styleId => Style) private _styles;
    mapping(bytes32 keywordHash => KeywordHolder) private _holders;
    mapping(uint256 styleId => PendingPayout) private _pendingPayouts;
    mapping(uint256 styleId => mapping(uint64 generation => uint48 endedAt)) private _generationEnds;
    mapping(uint256 styleId => StyleAdapter) private _adapters;

    /**
     * @notice Deploys the registry with its admin and its fixed payout delay.
     * @param admin receives `DEFAULT_ADMIN_ROLE` (grants and revokes curators).
     * @param payoutDelay_ seconds between {proposePayout} and the earliest {acceptPayout}.
     *
     * Requirements: `admin` is not the zero address; `payoutDelay_` <= {MAX_PAYOUT_DELAY}.
     */
    constructor(address admin, uint64 payoutDelay_) {
        if (admin == address(0)) revert StyleRegistryInvalidAdmin(admin);
        if (payoutDelay_ > MAX_PAYOUT_DELAY) {
            revert StyleRegistryInvalidPayoutDelay(payoutDelay_, MAX_PAYOUT_DELAY);
        }
        _payoutDelay = payoutDelay_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ─────────────────────────────────────── owner actions ─────────────────────────────────────────

    /**
     * @notice Registers a style owned by the caller and returns its id (ids start at 1).
     *
     * Requirements:
     * - `name` is 1 to {MAX_NAME_LENGTH} bytes, `metadataURI` at most {MAX_URI_LENGTH};
     * - 1 to {MAX_KEYWORDS} keywords, each valid, distinct, held by no other style and not
     *   cooling down;
     * - `payout` is not the zero address.
     *
     * Emits a {StyleRegistered} event.
     */
    function registerStyle(
        string calldata name,
        string[] calldata keywords,
        address payout,
        string calldata metadataURI
    ) public returns (uint256 styleId) {
        if (bytes(name).length == 0) revert StyleRegistryInvalidName(name);
        _checkLength(name, MAX_NAME_LENGTH);
        _checkLength(metadataURI, MAX_URI_LENGTH);
        if (payout == address(0)) revert StyleRegistryInvalidPayout(payout);

        styleId = ++_styleCount;
        _styles[styleId] = Style({
            owner: msg.sender,
            generation: 0,
            optedOut: false,
            suspended: false,
            payout: payout == msg.sender ? address(0) : payout
        });
        _claimKeywords(styleId, 0, keywords);

        emit StyleRegistered(styleId, msg.sender, name, keywords, payout, metadataURI);
    }

    /**
     * @notice Registers a style owned by the caller together with the adapter learned from the
     * artist's consented works, in one transaction; returns its id. See {setStyleAdapter}.
     *
     * Requirements: those of {registerStyle} and of {setStyleAdapter}'s values.
     *
     * Emits a {StyleRegistered} event, then a {StyleAdapterSet} event.
     */
    function registerStyleWithAdapter(
        string calldata name,
        string[] calldata keywords,
        address payout,
        string calldata metadataURI,
        bytes32 adapterId,
        bytes32 worksRoot,
        string calldata worksUri
    ) external returns (uint256 styleId) {
        styleId = registerStyle(name, keywords, payout, metadataURI);
        _setAdapter(styleId, adapterId, worksRoot, worksUri);
    }

    /**
     * @notice Sets the style adapter of `styleId`: `adapterId` (sha256 of the adapter's weight
     * files), `worksRoot` (StandardMerkleTree root, leaf encoding `bytes32`, of the sha256 of each
     * consented work) and `worksUri` (where their list is published). All zero and an empty URI
     * clear it. It redirects no earnings (they follow the keywords), so it takes effect at once.
     *
     * Requirements:
     * - the caller owns `styleId`, which is neither suspended nor opted out;
     * - a zero `adapterId` comes with a zero `worksRoot` and an empty `worksUri`;
     * - `worksUri` is at most {MAX_URI_LENGTH} bytes.
     *
     * Emits a {StyleAdapterSet} event with the new values.
     */
    function setStyleAdapter(uint256 styleId, bytes32 adapterId, bytes32 worksRoot, string calldata worksUri) external {
        Style storage style = _ownedStyle(styleId);
        if (style.suspended) revert StyleRegistrySuspendedStyle(styleId);
        if (style.optedOut) revert StyleRegistryOptedOutStyle(styleId);
        _setAdapter(styleId, adapterId, worksRoot, worksUri);
    }

    /**
     * @notice Replaces all keywords of `styleId` with `keywords`; keywords left out become free.
     *
     * Requirements:
     * - the caller owns `styleId`, which is not suspended;
     * - 1 to {MAX_KEYWORDS} keywords, each valid, distinct, held by no other style and not
     *   cooling down (this style's own keywords, current or freed, may always be taken).
     *
     * Emits a {StyleKeywordsUpdated} event with the full new list.
     */
    function updateKeywords(uint256 styleId, string[] calldata keywords) external {
        Style storage style = _ownedStyle(styleId);
        if (style.suspended) revert StyleRegistrySuspendedStyle(styleId);

        uint64 generation = _endGeneration(styleId, style);
        _claimKeywords(styleId, generation, keywords);

        emit StyleKeywordsUpdated(styleId, keywords);
    }

    /**
     * @notice Sets the metadata URI of `styleId` (allowed while suspended, to answer a dispute).
     *
     * Requirements: the caller owns `styleId`; `metadataURI` is at most {MAX_URI_LENGTH} bytes.
     *
     * Emits a {StyleMetadataUpdated} event.
     */
    function updateMetadata(uint256 styleId, string calldata metadataURI) external {
        _ownedStyle(styleId);
        _checkLength(metadataURI, MAX_URI_LENGTH);
        emit StyleMetadataUpdated(styleId, metadataURI);
    }

    /**
     * @notice Proposes `payout` as the new payout address of `styleId`; it can be accepted from
     * the returned time on, in a later block. A new proposal replaces a pending one.
     *
     * Requirements: the caller owns `styleId`, which is not suspended; `payout` is not zero.
     *
     * Emits a {StylePayoutProposed} event.
     */
    function proposePayout(uint256 styleId, address payout) external returns (uint64 effectiveAt) {
        Style storage style = _ownedStyle(styleId);
        if (style.suspended) revert StyleRegistrySuspendedStyle(styleId);
        if (payout == address(0)) revert StyleRegistryInvalidPayout(payout);

        uint48 at = Time.timestamp() + uint48(_payoutDelay);
        _pendingPayouts[styleId] = PendingPayout({payout: payout, effectiveAt: at, proposedBlock: Time.blockNumber()});
        effectiveAt = at;

        emit StylePayoutProposed(styleId, payout, effectiveAt);
    }

    /**
     * @notice Makes the pending payout address of `styleId` its payout address.
     *
     * Requirements:
     * - the caller owns `styleId`, which is not suspended;
     * - a payout change is pending, its delay has passed, and this is a later block than the
     *   proposal's.
     *
     * Emits a {StylePayoutUpdated} event.
     */
    function acceptPayout(uint256 styleId) external {
        Style storage style = _ownedStyle(styleId);
        if (style.suspended) revert StyleRegistrySuspendedStyle(styleId);
        PendingPayout memory pending = _pendingPayouts[styleId];
        if (pending.payout == address(0)) revert StyleRegistryNoPendingPayout(styleId);
        if (Time.timestamp() < pending.effectiveAt || Time.blockNumber() <= pending.proposedBlock) {
            revert StyleRegistryPayoutNotReady(styleId, pending.effectiveAt);
        }

        delete _pendingPayouts[styleId];
        style.payout = pending.payout == style.owner ? address(0) : pending.payout;

        emit StylePayoutUpdated(styleId, pending.payout);
    }

    /**
     * @notice Withdraws the pending payout change of `styleId`. A curator cannot: its answer to
     * a suspicious proposal is {suspend}, which cancels it in public, with a reason.
     *
     * Requirements: the caller owns `styleId`; a change is pending.
     *
     * Emits a {StylePayoutCancelled} event.
     */
    function cancelPayout(uint256 styleId) external {
        _ownedStyle(styleId);
        if (!_cancelPendingPayout(styleId)) revert StyleRegistryNoPendingPayout(styleId);
    }

    /**
     * @notice Opts `styleId` out: mints made from now on attribute nothing to it. What it already
     * earned stays claimable, and it keeps its keywords (see the contract's notes).
     *
     * Requirements: the caller owns `styleId`, which is not opted out.
     *
     * Emits a {StyleOptedOut} event.
     */
    function optOut(uint256 styleId) external {
        Style storage style = _ownedStyle(styleId);
        if (style.optedOut) revert StyleRegistryOptedOutStyle(styleId);
        style.optedOut = true;
        emit StyleOptedOut(styleId);
    }

    /**
     * @notice Opts `styleId` back in. It is active again unless a curator suspended it.
     *
     * Requirements: the caller owns `styleId`, which is opted out.
     *
     * Emits a {StyleOptedIn} event.
     */
    function optIn(uint256 styleId) external {
        Style storage style = _ownedStyle(styleId);
        if (!style.optedOut) revert StyleRegistryNotOptedOut(styleId);
        style.optedOut = false;
        emit StyleOptedIn(styleId);
    }

    // ────────────────────────────────────── curator actions ────────────────────────────────────────

    /**
     * @notice Suspends `styleId` (impersonation, dispute): its shares are held, not paid, and its
     * owner can change neither its keywords nor its payout until it is reinstated. A pending
     * payout change is cancelled: after reinstatement a new one waits the whole delay again.
     *
     * Requirements: the caller holds {CURATOR_ROLE}; `styleId` exists and is not suspended;
     * `reason` is 1 to {MAX_URI_LENGTH} bytes.
     *
     * Emits a {StyleSuspended} event, after a {StylePayoutCancelled} event if a change was pending.
     */
    function suspend(uint256 styleId, string calldata reason) external onlyRole(CURATOR_ROLE) {
        Style storage style = _existingStyle(styleId);
        if (style.suspended) revert StyleRegistrySuspendedStyle(styleId);
        _checkReason(reason);
        style.suspended = true;
        _cancelPendingPayout(styleId);
        emit StyleSuspended(styleId, reason);
    }

    /**
     * @notice Lifts the suspension of `styleId`.
     *
     * Requirements: the caller holds {CURATOR_ROLE}; `styleId` is suspended; `reason` is not empty.
     *
     * Emits a {StyleReinstated} event.
     */
    function reinstate(uint256 styleId, string calldata reason) external onlyRole(CURATOR_ROLE) {
        Style storage style = _suspendedStyle(styleId, reason);
        style.suspended = false;
        emit StyleReinstated(styleId, reason);
    }

    /**
     * @notice Frees every keyword of suspended style `styleId`, e.g. so that the artist it
     * impersonated can register them once they have cooled down ({payoutDelay}).
     *
     * Requirements: the caller holds {CURATOR_ROLE}; `styleId` is suspended; `reason` is not empty.
     *
     * Emits a {StyleKeywordsUpdated} event with an empty list, then a {StyleKeywordsRevoked} event.
     */
    function revokeKeywords(uint256 styleId, string calldata reason) external onlyRole(CURATOR_ROLE) {
        Style storage style = _suspendedStyle(styleId, reason);
        _endGeneration(styleId, style);
        emit StyleKeywordsUpdated(styleId, new string[](0));
        emit StyleKeywordsRevoked(styleId, reason);
    }

    // ─────────────────────────────────────────── views ─────────────────────────────────────────────

    /**
     * @notice Resolves each keyword to the style holding it: `(styleId, payout, active)`, or
     * `(0, address(0), false)` when no style holds it. A malformed keyword resolves to no style
     * rather than reverting, so the indexer can pass prompt words as they are.
     */
    function resolveKeywords(
        string[] calldata keywords
    ) external view returns (uint256[] memory styleIds, address[] memory payouts, bool[] memory active) {
        uint256 n = keywords.length;
        styleIds = new uint256[](n);
        payouts = new address[](n);
        active = new bool[](n);
        for (uint256 i; i < n; ++i) {
            (bool valid, bytes32 key) = _keywordKey(keywords[i]);
            if (!valid) continue;
            KeywordHolder memory holder = _holders[key];
            if (holder.styleId == 0) continue;
            Style storage style = _styles[holder.styleId];
            if (style.generation != holder.generation) continue;
            styleIds[i] = holder.styleId;
            payouts[i] = _payoutOf(style);
            active[i] = !style.optedOut && !style.suspended;
        }
    }

    /// @notice The owner, payout address and flags of `styleId` (reverts if it does not exist).
    function styleOf(
        uint256 styleId
    ) external view returns (address owner, address payout, bool optedOut, bool suspended) {
        Style storage style = _existingStyle(styleId);
        return (style.owner, _payoutOf(style), style.optedOut, style.suspended);
    }

    /// @notice The adapter id and works root of `styleId` (zeros: none; reverts if it does not
    /// exist). The works URI is in the latest {StyleAdapterSet} event.
    function styleAdapter(uint256 styleId) external view returns (bytes32 adapterId, bytes32 worksRoot) {
        _existingStyle(styleId);
        StyleAdapter storage adapter = _adapters[styleId];
        return (adapter.adapterId, adapter.worksRoot);
    }

    /// @notice Whether `styleId` exists and is neither opted out nor suspended.
    function isActive(uint256 styleId) external view returns (bool) {
        Style storage style = _styles[styleId];
        return style.owner != address(0) && !style.optedOut && !style.suspended;
    }

    /// @notice The pending payout change of `styleId`, or `(address(0), 0)` when none.
    function pendingPayout(uint256 styleId) external view returns (address payout, uint64 effectiveAt) {
        PendingPayout memory pending = _pendingPayouts[styleId];
        return (pending.payout, pending.effectiveAt);
    }

    /// @notice Number of styles ever registered; the newest style's id.
    function styleCount() external view returns (uint256) {
        return _styleCount;
    }

    /// @notice Seconds between a payout proposal and its earliest acceptance, and between a
    /// keyword's release and the earliest time another style may take it.
    function payoutDelay() external view returns (uint64) {
        return _payoutDelay;
    }

    /**
     * @notice When another style than its holder's may take `keyword`: 0 if it is free now (or
     * malformed), {type(uint64).max} while a style holds it, else the end of its cool-down.
     */
    function keywordAvailableAt(string calldata keyword) external view returns (uint64) {
        (bool valid, bytes32 key) = _keywordKey(keyword);
        if (!valid) return 0;
        KeywordHolder memory holder = _holders[key];
        if (holder.styleId == 0) return 0;
        if (_styles[holder.styleId].generation == holder.generation) return type(uint64).max;
        uint64 at = _generationEnds[holder.styleId][holder.generation] + _payoutDelay;
        return at > Time.timestamp() ? at : 0;
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view virtual override returns (bool) {
        return interfaceId == type(IStyleRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    // ────────────────────────────────────────── internal ───────────────────────────────────────────

    /// @dev Checks and stores the adapter of `styleId` (whose owner is checked by the caller).
    function _setAdapter(uint256 styleId, bytes32 adapterId, bytes32 worksRoot, string calldata worksUri) private {
        _checkLength(worksUri, MAX_URI_LENGTH);
        if (adapterId == 0 && (worksRoot != 0 || bytes(worksUri).length != 0)) {
            revert StyleRegistryWorksWithoutAdapter(worksRoot, worksUri);
        }
        _adapters[styleId] = StyleAdapter({adapterId: adapterId, worksRoot: worksRoot});
        emit StyleAdapterSet(styleId, adapterId, worksRoot, worksUri);
    }

    /// @dev Records `styleId` at `generation` as the holder of each of `keywords`.
    function _claimKeywords(uint256 styleId, uint64 generation, string[] calldata keywords) private {
        uint256 n = keywords.length;
        if (n == 0 || n > MAX_KEYWORDS) revert StyleRegistryInvalidKeywordCount(n, MAX_KEYWORDS);
        for (uint256 i; i < n; ++i) {
            string calldata keyword = keywords[i];
            (bool valid, bytes32 key) = _keywordKey(keyword);
            if (!valid) revert StyleRegistryInvalidKeyword(keyword);

            KeywordHolder memory holder = _holders[key];
            if (holder.styleId == styleId) {
                // This style's entries from earlier generations are stale; one of the current
                // generation was written by this very call.
                if (holder.generation == generation) revert StyleRegistryDuplicateKeyword(keyword);
            } else if (holder.styleId != 0) {
                if (_styles[holder.styleId].generation == holder.generation) {
                    revert StyleRegistryKeywordTaken(keyword, holder.styleId);
                }
                // Freed by another style: it may route earnings elsewhere only after the delay.
                uint64 availableAt = _generationEnds[holder.styleId][holder.generation] + _payoutDelay;
                if (Time.timestamp() < availableAt) revert StyleRegistryKeywordCooling(keyword, availableAt);
            }
            // styleId <= _styleCount, which one transaction per style cannot take past 2^64.
            _holders[key] = KeywordHolder({styleId: uint64(styleId), generation: generation});
        }
    }

    /**
     * @dev Ends the current keyword generation of `styleId` (its keywords are free from now on,
     * cooling down for {payoutDelay}); returns the new generation.
     */
    function _endGeneration(uint256 styleId, Style storage style) private returns (uint64 generation) {
        generation = style.generation;
        _generationEnds[styleId][generation] = Time.timestamp();
        generation = ++style.generation;
    }

    /// @dev Deletes the pending payout change of `styleId`, if any, with its event.
    function _cancelPendingPayout(uint256 styleId) private returns (bool cancelled) {
        address payout = _pendingPayouts[styleId].payout;
        if (payout == address(0)) return false;
        delete _pendingPayouts[styleId];
        emit StylePayoutCancelled(styleId, payout);
        return true;
    }

    /**
     * @dev Whether `keyword` matches `[a-z0-9]+(-[a-z0-9]+)*` in 2-32 bytes, and its keccak256
     * when it does. A valid keyword fits in one word, so it is checked and hashed from the scratch
     * space, in assembly because it runs for every keyword of every registration, update and
     * resolution (the README's gas notes give the saving): every byte in the table, and no hyphen
     * first, last or after another. tests/contracts/test_keyword_table.py holds it to the plain
     * rule for every byte value, and its key to the plain mapping's slot.
     */
    function _keywordKey(string calldata keyword) private pure returns (bool valid, bytes32 key) {
        uint256 length = bytes(keyword).length;
        if (length < MIN_KEYWORD_LENGTH || length > MAX_KEYWORD_LENGTH) return (false, 0);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let word := calldataload(keyword.offset)
            valid := 1
            let hyphen := 1 // as if a hyphen came before the first byte: none may lead
            for {
                let i := 0
            } lt(i, length) {
                i := add(i, 1)
            } {
                let c := byte(i, word)
                let isHyphen := eq(c, 0x2d)
                valid := and(and(valid, shr(c, _KEYWORD_BYTES)), iszero(and(hyphen, isHyphen)))
                hyphen := isHyphen
            }
            valid := and(valid, iszero(hyphen)) // none may trail
            mstore(0x00, word)
            key := keccak256(0x00, length)
        }
    }

    /// @dev The payout slot stays empty while the payout address is the owner itself.
    function _payoutOf(Style storage style) private view returns (address) {
        address payout = style.payout;
        return payout == address(0) ? style.owner : payout;
    }

    function _existingStyle(uint256 styleId) private view returns (Style storage style) {
        style = _styles[styleId];
        if (style.owner == address(0)) revert StyleRegistryNonexistentStyle(styleId);
    }

    function _ownedStyle(uint256 styleId) private view returns (Style storage style) {
        style = _existingStyle(styleId);
        if (style.owner != msg.sender) revert StyleRegistryUnauthorizedAccount(styleId, msg.sender);
    }

    function _suspendedStyle(uint256 styleId, string calldata reason) private view returns (Style storage style) {
        style = _existingStyle(styleId);
        if (!style.suspended) revert StyleRegistryNotSuspended(styleId);
        _checkReason(reason);
    }

    function _checkReason(string calldata reason) private pure {
        if (bytes(reason).length == 0) revert StyleRegistryMissingReason();
        _checkLength(reason, MAX_URI_LENGTH);
    }

    function _checkLength(string calldata text, uint256 max) private pure {
        if (bytes(text).length > max) revert StyleRegistryTextTooLong(bytes(text).length, max);
    }
}
