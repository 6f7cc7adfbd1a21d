// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @dev Interface of the StyleLedger style registry: artists register styles (a name, keywords, a
 * payout address and a metadata URI); the indexer resolves prompt words to styles from events
 * alone, or in a batch with {resolveKeywords}.
 *
 * A keyword is 2-32 bytes of lower-case ASCII letters, digits and `-`; anything else is
 * rejected, never rewritten. Style ids start at 1; id 0 means "no style".
 */
interface IStyleRegistry {
    // ─────────────────────────────────────────── errors ────────────────────────────────────────────

    /// @dev `styleId` was never registered.
    error StyleRegistryNonexistentStyle(uint256 styleId);

    /// @dev `account` is not the owner of `styleId`.
    error StyleRegistryUnauthorizedAccount(uint256 styleId, address account);

    /// @dev `keyword` is not 2-32 bytes of `[a-z0-9-]`.
    error StyleRegistryInvalidKeyword(string keyword);

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

    // ─────────────────────────────────────────── events ────────────────────────────────────────────

    /// @dev Emitted when `owner` registers style `styleId`; `keywords` are exactly as stored.
    event StyleRegistered(
        uint256 indexed styleId,
        address indexed owner,
        string name,
        string[] keywords,
        address payout,
        string metadataURI
    );

    /// @dev Emitted when the keywords of `styleId` are replaced: `keywords` is the full new list
    /// (empty when a curator revoked them all).
    event StyleKeywordsUpdated(uint256 indexed styleId, string[] keywords);

    /// @dev Emitted when a curator strips the keywords of suspended style `styleId`.
    event StyleKeywordsRevoked(uint256 indexed styleId, string reason);

    /// @dev Emitted when the owner proposes `payout`; it may be accepted from `effectiveAt` on.
    event StylePayoutProposed(uint256 indexed styleId, address payout, uint64 effectiveAt);

    /// @dev Emitted when a pending payout change of `styleId` is withdrawn before it took effect.
    event StylePayoutCancelled(uint256 indexed styleId, address payout);

    /// @dev Emitted when `payout` becomes the payout address of `styleId`.
    event StylePayoutUpdated(uint256 indexed styleId, address payout);

    /// @dev Emitted when the metadata URI of `styleId` changes.
    event StyleMetadataUpdated(uint256 indexed styleId, string metadataURI);

    /// @dev Emitted when the owner opts `styleId` out of attribution.
    event StyleOptedOut(uint256 indexed styleId);

    /// @dev Emitted when the owner opts `styleId` back in.
    event StyleOptedIn(uint256 indexed styleId);

    /// @dev Emitted when a curator suspends `styleId`.
    event StyleSuspended(uint256 indexed styleId, string reason);

    /// @dev Emitted when a curator reinstates `styleId`.
    event StyleReinstated(uint256 indexed styleId, string reason);

    // ───────────────────────────────────────── functions ───────────────────────────────────────────

    function registerStyle(
        string calldata name,
        string[] calldata keywords,
        address payout,
        string calldata metadataURI
    ) external returns (uint256 styleId);

    function updateKeywords(uint256 styleId, string[] calldata keywords) external;

    function updateMetadata(uint256 styleId, string calldata metadataURI) external;

    function proposePayout(uint256 styleId, address payout) external returns (uint64 effectiveAt);

    function acceptPayout(uint256 styleId) external;

    function cancelPayout(uint256 styleId) external;

    function optOut(uint256 styleId) external;

    function optIn(uint256 styleId) external;

    function suspend(uint256 styleId, string calldata reason) external;

    function reinstate(uint256 styleId, string calldata reason) external;

    function revokeKeywords(uint256 styleId, string calldata reason) external;

    function resolveKeywords(
        string[] calldata keywords
    ) external view returns (uint256[] memory styleIds, address[] memory payouts, bool[] memory active);

    function styleOf(
        uint256 styleId
    ) external view returns (address owner, address payout, bool optedOut, bool suspended);

    function isActive(uint256 styleId) external view returns (bool);

    function pendingPayout(
        uint256 styleId
    ) external view returns (address payout, uint64 effectiveAt);

    function styleCount() external view returns (uint256);

    function payoutDelay() external view returns (uint64);
}
