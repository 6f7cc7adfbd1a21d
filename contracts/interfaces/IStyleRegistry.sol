// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @notice Interface of the StyleLedger style registry: artists register styles (a name, keywords, a
 * payout address and a metadata URI, and optionally the style adapter learned from their own
 * consented works); the indexer resolves prompt words to styles from events alone, or in a batch
 * with {resolveKeywords}.
 *
 * A keyword is `[a-z0-9]+(-[a-z0-9]+)*` in 2-32 bytes (docs/words.md); anything else is
 * rejected, never rewritten. Style ids start at 1; id 0 means "no style".
 */
interface IStyleRegistry {
    // ─────────────────────────────────────────── errors ────────────────────────────────────────────

    /// @dev `styleId` was never registered.
    error StyleRegistryNonexistentStyle(uint256 styleId);

    /// @dev `account` is not the owner of `styleId`.
    error StyleRegistryUnauthorizedAccount(uint256 styleId, address account);

    /// @dev `keyword` is not `[a-z0-9]+(-[a-z0-9]+)*` in 2-32 bytes.
    error StyleRegistryInvalidKeyword(string keyword);

    /// @dev `keyword` was freed by another style and cools down until `availableAt`.
    error StyleRegistryKeywordCooling(string keyword, uint64 availableAt);

    /// @dev A name, URI or reason of `length` bytes is longer than `max`.
    error StyleRegistryTextTooLong(uint256 length, uint256 max);

    /// @dev `keyword` appears twice in the same call.
    error StyleRegistryDuplicateKeyword(string keyword);

    /// @dev `keyword` is held by another style, `styleId`.
    error StyleRegistryKeywordTaken(string keyword, uint256 styleId);

    /// @dev A style needs between 1 and `max` keywords; `count` were given.
    error StyleRegistryInvalidKeywordCount(uint256 count, uint256 max);

    /// @dev The display name is empty.
    error StyleRegistryInvalidName(string name);

    /// @dev `payout` cannot receive earnings (the zero address).
    error StyleRegistryInvalidPayout(address payout);

    /// @dev `styleId` has no payout change pending.
    error StyleRegistryNoPendingPayout(uint256 styleId);

    /// @dev The pending payout change of `styleId` takes effect at `effectiveAt` (and never in
    /// the block it was proposed in).
    error StyleRegistryPayoutNotReady(uint256 styleId, uint64 effectiveAt);

    /// @dev `styleId` is suspended by a curator: the action is frozen until it is reinstated.
    error StyleRegistrySuspendedStyle(uint256 styleId);

    /// @dev `styleId` is not suspended.
    error StyleRegistryNotSuspended(uint256 styleId);

    /// @dev `styleId` is already opted out.
    error StyleRegistryOptedOutStyle(uint256 styleId);

    /// @dev `styleId` is not opted out.
    error StyleRegistryNotOptedOut(uint256 styleId);

    /// @dev A curator action needs a non-empty reason.
    error StyleRegistryMissingReason();

    /// @dev The registry's admin cannot be the zero address.
    error StyleRegistryInvalidAdmin(address admin);

    /// @dev The payout delay `delay` exceeds `max` seconds.
    error StyleRegistryInvalidPayoutDelay(uint64 delay, uint64 max);

    /// @dev Works (`worksRoot`, `worksUri`) were given without an adapter: a zero adapter id
    /// clears the adapter, and then the works root must be zero and the URI empty too.
    error StyleRegistryWorksWithoutAdapter(bytes32 worksRoot, string worksUri);

    // ─────────────────────────────────────────── events ────────────────────────────────────────────

    /// @notice Emitted when `owner` registers style `styleId`; `keywords` are exactly as stored.
    event StyleRegistered(
        uint256 indexed styleId,
        address indexed owner,
        string name,
        string[] keywords,
        address payout,
        string metadataURI
    );

    /// @notice Emitted when the keywords of `styleId` are replaced: `keywords` is the full new list
    /// (empty when a curator revoked them all).
    event StyleKeywordsUpdated(uint256 indexed styleId, string[] keywords);

    /// @notice Emitted when a curator strips the keywords of suspended style `styleId`.
    event StyleKeywordsRevoked(uint256 indexed styleId, string reason);

    /// @notice Emitted when the owner proposes `payout`; it may be accepted from `effectiveAt` on.
    event StylePayoutProposed(uint256 indexed styleId, address payout, uint64 effectiveAt);

    /// @notice Emitted when a pending payout change of `styleId` is withdrawn before it took effect.
    event StylePayoutCancelled(uint256 indexed styleId, address payout);

    /// @notice Emitted when `payout` becomes the payout address of `styleId`.
    event StylePayoutUpdated(uint256 indexed styleId, address payout);

    /// @notice Emitted when the metadata URI of `styleId` changes.
    event StyleMetadataUpdated(uint256 indexed styleId, string metadataURI);

    /// @notice Emitted when the owner opts `styleId` out of attribution.
    event StyleOptedOut(uint256 indexed styleId);

    /// @notice Emitted when the owner opts `styleId` back in.
    event StyleOptedIn(uint256 indexed styleId);

    /// @notice Emitted when a curator suspends `styleId`.
    event StyleSuspended(uint256 indexed styleId, string reason);

    /// @notice Emitted when a curator reinstates `styleId`.
    event StyleReinstated(uint256 indexed styleId, string reason);

    /// @notice Emitted when the owner sets the style adapter of `styleId`: `adapterId` is the
    /// sha256 of the adapter folder's weight files (the model-id rule), `worksRoot` the
    /// StandardMerkleTree root (leaf encoding `bytes32`) of the sha256 of each consented work,
    /// `worksUri` where their list is published. All zero (and empty): the adapter was cleared.
    event StyleAdapterSet(uint256 indexed styleId, bytes32 adapterId, bytes32 worksRoot, string worksUri);

    // ───────────────────────────────────────── functions ───────────────────────────────────────────

    /// @notice Registers a style owned by the caller; returns its id.
    function registerStyle(
        string calldata name,
        string[] calldata keywords,
        address payout,
        string calldata metadataURI
    ) external returns (uint256 styleId);

    /// @notice Registers a style owned by the caller together with its adapter; returns its id.
    function registerStyleWithAdapter(
        string calldata name,
        string[] calldata keywords,
        address payout,
        string calldata metadataURI,
        bytes32 adapterId,
        bytes32 worksRoot,
        string calldata worksUri
    ) external returns (uint256 styleId);

    /// @notice Sets (or, all zero, clears) the adapter of `styleId` (its owner, while active).
    function setStyleAdapter(uint256 styleId, bytes32 adapterId, bytes32 worksRoot, string calldata worksUri) external;

    /// @notice Replaces all keywords of `styleId` (its owner, while not suspended).
    function updateKeywords(uint256 styleId, string[] calldata keywords) external;

    /// @notice Sets the metadata URI of `styleId` (its owner).
    function updateMetadata(uint256 styleId, string calldata metadataURI) external;

    /// @notice Proposes a new payout address for `styleId`, accepted no earlier than `effectiveAt`.
    function proposePayout(uint256 styleId, address payout) external returns (uint64 effectiveAt);

    /// @notice Makes the pending payout address of `styleId` its payout address, once due.
    function acceptPayout(uint256 styleId) external;

    /// @notice Withdraws the pending payout change of `styleId` (its owner).
    function cancelPayout(uint256 styleId) external;

    /// @notice Opts `styleId` out of attribution for mints from now on.
    function optOut(uint256 styleId) external;

    /// @notice Opts `styleId` back in.
    function optIn(uint256 styleId) external;

    /// @notice Suspends `styleId` (a curator, with a reason).
    function suspend(uint256 styleId, string calldata reason) external;

    /// @notice Lifts the suspension of `styleId` (a curator, with a reason).
    function reinstate(uint256 styleId, string calldata reason) external;

    /// @notice Frees every keyword of suspended style `styleId` (a curator, with a reason).
    function revokeKeywords(uint256 styleId, string calldata reason) external;

    /// @notice The style holding each keyword, its payout and whether it is active (zeros: none).
    function resolveKeywords(
        string[] calldata keywords
    ) external view returns (uint256[] memory styleIds, address[] memory payouts, bool[] memory active);

    /// @notice The owner, payout address and flags of `styleId`.
    function styleOf(
        uint256 styleId
    ) external view returns (address owner, address payout, bool optedOut, bool suspended);

    /// @notice The adapter id and works root of `styleId` (zeros: none); the works URI is in
    /// {StyleAdapterSet}.
    function styleAdapter(uint256 styleId) external view returns (bytes32 adapterId, bytes32 worksRoot);

    /// @notice Whether `styleId` exists and is neither opted out nor suspended.
    function isActive(uint256 styleId) external view returns (bool);

    /// @notice The pending payout change of `styleId`, or zeros when none.
    function pendingPayout(uint256 styleId) external view returns (address payout, uint64 effectiveAt);

    /// @notice Number of styles ever registered; the newest style's id.
    function styleCount() external view returns (uint256);

    /// @notice Seconds between a payout proposal and its earliest acceptance (and a keyword's
    /// cool-down).
    function payoutDelay() external view returns (uint64);

    /// @notice When another style may take `keyword` (0: now; max uint64: it is held).
    function keywordAvailableAt(string calldata keyword) external view returns (uint64);
}
