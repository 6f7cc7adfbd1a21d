// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @notice Interface of StyleLedger's payout distributor: it holds the creator pools (from the core)
 * and royalties (from the per-project receivers), a settler posts cumulative Merkle roots, a
 * guardian may veto one during its challenge delay, and anyone may claim for an account.
 *
 * Leaves are OpenZeppelin StandardMerkleTree leaves of `(address account, uint256 cumulative)`:
 * `keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))))`.
 */
interface IPayoutDistributor {
    // ─────────────────────────────────────────── errors ────────────────────────────────────────────

    /// @dev `sender` may not deposit for `projectId` (only the core, or the project's receiver).
    error PayoutDistributorUnauthorizedDepositor(address sender, uint256 projectId);

    /// @dev A deposit must carry some ether.
    error PayoutDistributorZeroDeposit();

    /// @dev The core is already set (to `core`); it is set once.
    error PayoutDistributorCoreAlreadySet(address core);

    /// @dev The zero address was given where an account is needed.
    error PayoutDistributorInvalidAddress(address account);

    /// @dev The challenge delay may be at most `max` seconds.
    error PayoutDistributorInvalidChallengeDelay(uint256 delay, uint256 max);

    /// @dev A root must not be zero.
    error PayoutDistributorZeroRoot();

    /// @dev Epochs follow each other: `epoch` is not `expected`, the one after the last posted.
    error PayoutDistributorEpochNotNext(uint256 epoch, uint256 expected);

    /// @dev Settler `account` was appointed less than a challenge delay ago: it posts from `from`.
    error PayoutDistributorSettlerNotYetActive(address account, uint256 from);

    /// @dev A root URI of `length` bytes is longer than `max`.
    error PayoutDistributorURITooLong(uint256 length, uint256 max);

    /// @dev `sender` sent `value` wei with selector `selector` (0: none) that nothing here takes.
    error PayoutDistributorUnexpectedCall(address sender, uint256 value, bytes4 selector);

    /// @dev The root of `epoch` is in its challenge window until `claimableAt`: no new root yet.
    error PayoutDistributorRootPending(uint256 epoch, uint256 claimableAt);

    /// @dev A root's `totalCumulative` exceeds everything ever `deposited`.
    error PayoutDistributorTotalExceedsDeposits(uint256 totalCumulative, uint256 deposited);

    /// @dev A root's `totalCumulative` is below the total of the root before it, `lastTotal`.
    error PayoutDistributorTotalDecreased(uint256 totalCumulative, uint256 lastTotal);

    /// @dev `epoch` is not the root in its challenge window (it is claimable, vetoed or unknown).
    error PayoutDistributorNotVetoable(uint256 epoch);

    /// @dev No root can be claimed against yet (none posted, or the only one is still pending).
    error PayoutDistributorNoClaimableRoot();

    /// @dev `account` has already claimed `claimed` >= `cumulativeAmount`.
    error PayoutDistributorNothingToClaim(address account, uint256 cumulativeAmount, uint256 claimed);

    /// @dev The proof does not show `(account, cumulativeAmount)` in the claimable root.
    error PayoutDistributorInvalidProof(address account, uint256 cumulativeAmount);

    /// @dev Paying `amount` would take total claims above the claimable root's total, of which
    /// only `unclaimed` is left (the tree's leaves sum to more than its total).
    error PayoutDistributorRootOverdrawn(uint256 amount, uint256 unclaimed);

    /// @dev Sending `amount` wei claimed by `account` to `to` failed (`to` refuses ether).
    error PayoutDistributorPayoutFailed(address account, address to, uint256 amount);

    // ─────────────────────────────────────────── events ────────────────────────────────────────────

    /// @notice The core that deposits creator pools (and owns the royalty receivers) is `core`.
    event CoreSet(address core);

    /// @notice `from` deposited `amount` wei for `projectId` (0: primary-sale creator pools of all
    /// projects, traced per token by the core's `Mint` events); `totalDeposited` is the new sum.
    event Deposited(address indexed from, uint256 indexed projectId, uint256 amount, uint256 totalDeposited);

    /// @notice The settler posted `root` for `epoch`, entitling accounts to `totalCumulative` wei in
    /// all; claimable from `claimableAt` unless vetoed. `uri` points at the published tree.
    event RootPosted(uint256 indexed epoch, bytes32 root, uint256 totalCumulative, string uri, uint64 claimableAt);

    /// @notice `guardian` vetoed the pending `root` of `epoch`; the previous root stays claimable.
    event RootVetoed(uint256 indexed epoch, bytes32 root, address guardian, string reason);

    /// @notice `account` was paid `amount` wei, reaching `cumulative` claimed in all.
    event Claimed(address indexed account, uint256 amount, uint256 cumulative);

    /// @notice `account` had its claim of `amount` wei paid to `to` instead of itself ({claimTo}).
    event ClaimRedirected(address indexed account, address indexed to, uint256 amount);

    /// @notice Newly appointed settler `account` may post roots from `from` on.
    event SettlerActiveFrom(address indexed account, uint64 from);

    /// @notice Removed guardian `account` may still veto the roots posted before `until`.
    event GuardianVetoesUntil(address indexed account, uint64 until);

    // ───────────────────────────────────────── functions ───────────────────────────────────────────

    /// @notice Adds `msg.value` to the distributed funds, tagged with `projectId`.
    function deposit(uint256 projectId) external payable;

    /// @notice Posts the Merkle root of cumulative entitlements for `epoch` (settler only).
    function postRoot(uint256 epoch, bytes32 root, uint256 totalCumulative, string calldata uri) external;

    /// @notice Vetoes the pending root of `epoch` (guardian only, during its challenge window).
    function vetoRoot(uint256 epoch, string calldata reason) external;

    /// @notice Pays `account` its `cumulativeAmount` minus what it already claimed (anyone may call).
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external;

    /// @notice Like {claim} for the caller's own entitlement, paid to `to`.
    function claimTo(address to, uint256 cumulativeAmount, bytes32[] calldata proof) external;
}
