// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IArtCore} from "./interfaces/IArtCore.sol";
import {IPayoutDistributor} from "./interfaces/IPayoutDistributor.sol";

/**
 * @title PayoutDistributor
 * @notice Holds StyleLedger's creator pools and royalties and pays them by pull against cumulative
 * Merkle roots (the Uniswap merkle-distributor / 1inch cumulative-drop pattern).
 *
 * - Deposits come only from the core ({deposit} with project 0: creator pools) and from each
 *   project's royalty receiver clone (tagged with its project id).
 * - A settler posts `(epoch, root, totalCumulative, uri)`: each epoch is the one after the last
 *   posted (vetoed ones included), so no number can be skipped to the end, and
 *   `totalCumulative` lies between the previous root's total and everything deposited (the core's
 *   pending creator pools are swept in first). The root becomes claimable `challengeDelay`
 *   seconds later (0 on dev chains); until then a guardian may veto it, which restores the root
 *   before it. No new root is posted while one is pending.
 * - No single key, the admin included, posts and collects a root inside the guardian's window:
 *   a settler the admin appoints may post only `challengeDelay` after its appointment, and a
 *   guardian the admin removes may still veto every root posted less than two challenge delays
 *   after its removal. So a root posted by a newly appointed settler, or after a guardian's
 *   removal, stays vetoable by the guardian it would bypass, and every change of who posts or
 *   who vetoes is public for at least two windows before a root it enables becomes claimable.
 * - {claim} pays `cumulativeAmount - claimed[account]` to `account`, against the latest claimable
 *   root (while a root is pending, the one before it). Anyone may call it: a payout address
 *   that reverts on receive makes its own claim fail and nobody else's; its owner can use
 *   {claimTo} to be paid elsewhere.
 *
 * Invariants: `address(this).balance == totalDeposited - totalClaimed` (ether forced in by
 * selfdestruct aside) and `totalClaimed <= claimable root total <= totalDeposited`; the first is
 * kept by construction, the second is checked on every post and every claim, so even a wrong
 * tree cannot pay out money deposited for later epochs. The claim check reads no counter of its
 * own: claims so far are `totalDeposited - balance` (SELFBALANCE), which keeps a claim at one
 * storage write.
 *
 * @dev No reentrancy guard: a claim updates `claimed[account]` before its single external call
 * (checks-effects-interactions), so a reentrant claim finds nothing left to pay, and the claims
 * so far (`totalDeposited - balance`) already count the ether on its way out.
 *
 * Storage layout (after AccessControl's roles mapping), tuned for {claim}, which reads slots A and
 * B (one SLOAD, its three fields kept on the stack) and reads and writes only its account's
 * `_claims` entry (its slot hashed once):
 * - A `_root`: the latest posted, not vetoed root (pending or claimable).
 * - B `_head`: rootTotal (12 bytes) | claimableAt (8) | totalDeposited (12).
 * - C `_previousRoot`: the root claimed against while `_root` is pending.
 * - D `_history`: previousTotal (12) | rootEpoch (8) | previousEpoch (8).
 * - E `_lastPostedEpoch` (8).
 * - F `_core`.
 * - `_claims[account].cumulative`: cumulative amount paid to `account` (the slot a plain
 *   `mapping(address => uint256)` would use: a one-field struct, so a storage reference).
 * - `_settlerFrom[account]`: when an appointed settler may first post (0 for the constructor's).
 * - `_guardianUntil[account]`: a removed guardian vetoes roots posted before this time.
 * Amounts fit 96 bits (79 billion ether); epochs and times fit 64 bits.
 */
contract PayoutDistributor is IPayoutDistributor, AccessControl {
    // ───────────────────────────────────────── constants ───────────────────────────────────────────

    /// @notice Role that posts roots.
    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");

    /// @notice Role that may veto a root during its challenge window.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Longest challenge delay the constructor accepts.
    uint256 public constant MAX_CHALLENGE_DELAY = 30 days;

    /// @notice Longest root URI, in bytes.
    uint256 public constant MAX_URI_LENGTH = 512;

    // ────────────────────────────────────────── storage ────────────────────────────────────────────

    struct Head {
        uint96 rootTotal;
        uint64 claimableAt;
        uint96 totalDeposited;
    }

    /// @dev One account's cumulative claims, in a struct so {claim} hashes its slot once.
    struct Claim {
        uint256 cumulative;
    }

    struct History {
        uint96 previousTotal;
        uint64 rootEpoch;
        uint64 previousEpoch;
    }

    uint64 private immutable _challengeDelay;

    bytes32 private _root;
    Head private _head;
    bytes32 private _previousRoot;
    History private _history;
    uint64 private _lastPostedEpoch;
    address private _core;
    mapping(address account => Claim) private _claims;
    mapping(address account => uint64) private _settlerFrom;
    mapping(address account => uint64) private _guardianUntil;

    /**
     * @notice Deploys the distributor with its three roles and its fixed challenge delay.
     * @param admin receives `DEFAULT_ADMIN_ROLE` (sets the core, grants and revokes roles).
     * @param settler receives {SETTLER_ROLE}.
     * @param guardian receives {GUARDIAN_ROLE}.
     * @param challengeDelay_ seconds from a post until its root is claimable (0 on dev chains).
     *
     * Requirements: no zero address; `challengeDelay_` <= {MAX_CHALLENGE_DELAY}.
     */
    constructor(address admin, address settler, address guardian, uint256 challengeDelay_) {
        if (admin == address(0)) revert PayoutDistributorInvalidAddress(admin);
        if (settler == address(0)) revert PayoutDistributorInvalidAddress(settler);
        if (guardian == address(0)) revert PayoutDistributorInvalidAddress(guardian);
        if (challengeDelay_ > MAX_CHALLENGE_DELAY) {
            revert PayoutDistributorInvalidChallengeDelay(challengeDelay_, MAX_CHALLENGE_DELAY);
        }
        _challengeDelay = uint64(challengeDelay_);
        // AccessControl's own grant: the deployment's settler posts at once (see {_grantRole})
        AccessControl._grantRole(DEFAULT_ADMIN_ROLE, admin);
        AccessControl._grantRole(SETTLER_ROLE, settler);
        AccessControl._grantRole(GUARDIAN_ROLE, guardian);
    }

    /// @notice Refuses plain ether: deposits go through {deposit}.
    receive() external payable {
        revert PayoutDistributorUnexpectedCall(msg.sender, msg.value, 0);
    }

    /// @notice Refuses calls to functions this contract does not have.
    fallback() external payable {
        revert PayoutDistributorUnexpectedCall(msg.sender, msg.value, msg.sig);
    }

    // ───────────────────────────────────────── deposits ────────────────────────────────────────────

    /**
     * @notice Sets the core, once: it deposits creator pools and owns the royalty receivers.
     *
     * Requirements: the caller has `DEFAULT_ADMIN_ROLE`; `core_` is a contract; no core yet.
     *
     * Emits a {CoreSet} event.
     */
    function setCore(address core_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_core != address(0)) revert PayoutDistributorCoreAlreadySet(_core);
        if (core_.code.length == 0) revert PayoutDistributorInvalidAddress(core_);
        _core = core_;
        emit CoreSet(core_);
    }

    /**
     * @inheritdoc IPayoutDistributor
     * @dev Requirements: the caller is the core, or the royalty receiver of `projectId`;
     * `msg.value` is not zero.
     *
     * Emits a {Deposited} event.
     */
    function deposit(uint256 projectId) external payable {
        address core_ = _core;
        if (msg.sender != core_ && (core_ == address(0) || IArtCore(core_).royaltyReceiver(projectId) != msg.sender)) {
            revert PayoutDistributorUnauthorizedDepositor(msg.sender, projectId);
        }
        if (msg.value == 0) revert PayoutDistributorZeroDeposit();
        // Every deposit is real ether, so the sum stays below the supply of ether (< 2^96 wei).
        uint96 total = _head.totalDeposited + uint96(msg.value);
        _head.totalDeposited = total;
        emit Deposited(msg.sender, projectId, msg.value, total);
    }

    // ────────────────────────────────────────── roots ──────────────────────────────────────────────

    /**
     * @inheritdoc IPayoutDistributor
     * @dev Sweeps the core's pending creator pools in first, so `totalDeposited` is current.
     *
     * Requirements: the caller has {SETTLER_ROLE}, since at least {challengeDelay} unless the
     * deployment appointed it; `root` is not zero; `epoch` is the last posted epoch + 1; no root
     * is pending; previous root's total <= `totalCumulative` <= deposited; `uri` is at most
     * {MAX_URI_LENGTH} bytes.
     *
     * Emits a {RootPosted} event.
     */
    function postRoot(
        uint256 epoch,
        bytes32 root,
        uint256 totalCumulative,
        string calldata uri
    ) external onlyRole(SETTLER_ROLE) {
        uint256 from = _settlerFrom[msg.sender];
        if (block.timestamp < from) revert PayoutDistributorSettlerNotYetActive(msg.sender, from);
        if (bytes(uri).length > MAX_URI_LENGTH) revert PayoutDistributorURITooLong(bytes(uri).length, MAX_URI_LENGTH);
        if (root == 0) revert PayoutDistributorZeroRoot();
        Head memory head = _head;
        if (block.timestamp < head.claimableAt) {
            revert PayoutDistributorRootPending(_history.rootEpoch, head.claimableAt);
        }
        uint256 nextEpoch = uint256(_lastPostedEpoch) + 1;
        if (epoch != nextEpoch) revert PayoutDistributorEpochNotNext(epoch, nextEpoch);
        if (_core != address(0)) {
            IArtCore(_core).sweepCreatorPools();
            head = _head; // the sweep's deposit raised totalDeposited
        }
        if (totalCumulative > head.totalDeposited) {
            revert PayoutDistributorTotalExceedsDeposits(totalCumulative, head.totalDeposited);
        }
        if (totalCumulative < head.rootTotal) revert PayoutDistributorTotalDecreased(totalCumulative, head.rootTotal);

        History memory history = _history;
        _previousRoot = _root;
        history.previousTotal = head.rootTotal;
        history.previousEpoch = history.rootEpoch;
        history.rootEpoch = SafeCast.toUint64(epoch);
        _history = history;
        _lastPostedEpoch = uint64(epoch); // = last + 1, one per post: never near 2^64

        _root = root;
        head.rootTotal = uint96(totalCumulative); // <= totalDeposited < 2^96
        head.claimableAt = uint64(block.timestamp) + _challengeDelay;
        _head = head;
        emit RootPosted(epoch, root, totalCumulative, uri, head.claimableAt);
    }

    /**
     * @inheritdoc IPayoutDistributor
     * @dev The root before it becomes the latest root again, claimable at once.
     *
     * Requirements: the caller has {GUARDIAN_ROLE}, or lost it less than two challenge delays
     * before the root was posted; `epoch` is the root in its challenge window.
     *
     * Emits a {RootVetoed} event.
     */
    function vetoRoot(uint256 epoch, string calldata reason) external {
        Head memory head = _head;
        History memory history = _history;
        if (!hasRole(GUARDIAN_ROLE, msg.sender)) {
            // the root was posted at claimableAt - delay (0 when there is none)
            uint256 postedAt = head.claimableAt > _challengeDelay ? head.claimableAt - _challengeDelay : 0;
            if (postedAt >= _guardianUntil[msg.sender]) {
                revert AccessControlUnauthorizedAccount(msg.sender, GUARDIAN_ROLE);
            }
        }
        if (epoch != history.rootEpoch || block.timestamp >= head.claimableAt) {
            revert PayoutDistributorNotVetoable(epoch);
        }
        bytes32 vetoed = _root;
        _root = _previousRoot;
        head.rootTotal = history.previousTotal;
        head.claimableAt = uint64(block.timestamp);
        _head = head;
        history.rootEpoch = history.previousEpoch;
        _history = history;
        emit RootVetoed(epoch, vetoed, msg.sender, reason);
    }

    // ────────────────────────────────────────── claims ─────────────────────────────────────────────

    /// @inheritdoc IPayoutDistributor
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external {
        _claim(account, account, cumulativeAmount, proof);
    }

    /**
     * @inheritdoc IPayoutDistributor
     * @dev Requirements: `to` is not zero. Emits {Claimed} for the caller, then {ClaimRedirected}.
     */
    function claimTo(address to, uint256 cumulativeAmount, bytes32[] calldata proof) external {
        if (to == address(0)) revert PayoutDistributorInvalidAddress(to);
        _claim(msg.sender, to, cumulativeAmount, proof);
    }

    // ─────────────────────────────────────────── views ─────────────────────────────────────────────

    /// @notice The root claims are checked against now, with its epoch and total (zeros if none).
    function claimableRoot() public view returns (uint256 epoch, bytes32 root, uint256 totalCumulative) {
        Head memory head = _head;
        History memory history = _history;
        if (block.timestamp >= head.claimableAt) return (history.rootEpoch, _root, head.rootTotal);
        return (history.previousEpoch, _previousRoot, history.previousTotal);
    }

    /// @notice The latest posted, not vetoed root, and when it is (or became) claimable.
    function latestRoot()
        external
        view
        returns (uint256 epoch, bytes32 root, uint256 totalCumulative, uint256 claimableAt)
    {
        Head memory head = _head;
        return (_history.rootEpoch, _root, head.rootTotal, head.claimableAt);
    }

    /// @notice Whether `(account, cumulativeAmount)` is a leaf of the claimable root.
    function verify(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external view returns (bool) {
        (, bytes32 root, ) = claimableRoot();
        return root != 0 && MerkleProof.verifyCalldata(proof, root, _leaf(account, cumulativeAmount));
    }

    /// @notice Cumulative amount already paid to `account`.
    function claimed(address account) external view returns (uint256) {
        return _claims[account].cumulative;
    }

    /**
     * @notice Sum of all claims paid: `totalDeposited - balance`, since only claims take ether out
     * (ether forced in by selfdestruct lowers it; the `Claimed` events give the exact sum).
     */
    function totalClaimed() external view returns (uint256) {
        return _claimsSoFar(_head.totalDeposited);
    }

    /// @notice Sum of all deposits.
    function totalDeposited() external view returns (uint256) {
        return _head.totalDeposited;
    }

    /// @notice The highest epoch ever posted (vetoed ones included).
    function lastPostedEpoch() external view returns (uint256) {
        return _lastPostedEpoch;
    }

    /// @notice Seconds from a post until its root is claimable.
    function challengeDelay() external view returns (uint256) {
        return _challengeDelay;
    }

    /// @notice When settler `account` may first post (0: at once); meaningless without the role.
    function settlerActiveFrom(address account) external view returns (uint256) {
        return _settlerFrom[account];
    }

    /// @notice A removed guardian `account` may veto roots posted before this time (0: never removed).
    function guardianVetoesUntil(address account) external view returns (uint256) {
        return _guardianUntil[account];
    }

    /// @notice The core allowed to deposit (the zero address until {setCore}).
    function core() external view returns (address) {
        return _core;
    }

    // ────────────────────────────────────────── roles ──────────────────────────────────────────────

    /**
     * @dev A settler appointed after deployment may post from one challenge delay on, so the
     * guardians see the appointment a whole window before its first root.
     *
     * Emits {SettlerActiveFrom} for a new settler (besides AccessControl's {RoleGranted}).
     */
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == SETTLER_ROLE) {
            uint64 from = uint64(block.timestamp) + _challengeDelay;
            _settlerFrom[account] = from;
            emit SettlerActiveFrom(account, from);
        }
    }

    /**
     * @dev A removed guardian keeps its veto over every root posted less than two challenge
     * delays after the removal: a settler appointed with the removal posts one delay later at the
     * earliest, still inside the old guardian's reach.
     *
     * Emits {GuardianVetoesUntil} for a removed guardian (besides AccessControl's {RoleRevoked}).
     */
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == GUARDIAN_ROLE) {
            uint64 until = uint64(block.timestamp) + 2 * _challengeDelay;
            _guardianUntil[account] = until;
            emit GuardianVetoesUntil(account, until);
        }
    }

    // ────────────────────────────────────────── private ────────────────────────────────────────────

    function _claim(address account, address to, uint256 cumulativeAmount, bytes32[] calldata proof) private {
        // CHECKS
        bytes32 root;
        uint256 unclaimed; // what the claimable root's total leaves after the claims so far
        {
            // the three fields read in one basic block: one SLOAD of slot B, kept on the stack
            uint256 total = _head.rootTotal;
            uint256 claimableAt = _head.claimableAt;
            uint256 deposited = _head.totalDeposited;
            if (block.timestamp >= claimableAt) {
                root = _root;
            } else {
                (root, total) = (_previousRoot, _history.previousTotal);
            }
            // claims so far = deposited - balance ({totalClaimed}); real ether sums: no overflow
            unchecked {
                uint256 reach = total + address(this).balance;
                unclaimed = reach > deposited ? reach - deposited : 0;
            }
        }
        // no proof reaches a zero root (a keccak preimage of 0): "no root" is told apart on failure
        Claim storage entry = _claims[account];
        uint256 already = entry.cumulative;
        if (cumulativeAmount <= already) {
            if (root == 0) revert PayoutDistributorNoClaimableRoot();
            revert PayoutDistributorNothingToClaim(account, cumulativeAmount, already);
        }
        if (MerkleProof.processProofCalldata(proof, _leaf(account, cumulativeAmount)) != root) {
            if (root == 0) revert PayoutDistributorNoClaimableRoot();
            revert PayoutDistributorInvalidProof(account, cumulativeAmount);
        }
        uint256 amount;
        unchecked {
            amount = cumulativeAmount - already; // cumulativeAmount > already
        }
        if (amount > unclaimed) revert PayoutDistributorRootOverdrawn(amount, unclaimed);

        // EFFECTS
        entry.cumulative = cumulativeAmount;
        emit Claimed(account, amount, cumulativeAmount);
        if (to != account) emit ClaimRedirected(account, to, amount);

        // INTERACTIONS: no return data is copied (Solidity's `address.call` always copies it), so a
        // payee cannot make the caller pay for it.
        bool ok;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            ok := call(gas(), to, amount, 0, 0, 0, 0)
        }
        if (!ok) revert PayoutDistributorPayoutFailed(account, to, amount);
    }

    /// @dev Claims paid so far: only claims take ether out, so `totalDeposited - balance`.
    function _claimsSoFar(uint256 deposited) private view returns (uint256) {
        uint256 balance = address(this).balance;
        unchecked {
            return deposited > balance ? deposited - balance : 0;
        }
    }

    /// @dev StandardMerkleTree leaf of `(address, uint256)`: keccak256(bytes.concat(keccak256(abi.encode(..)))).
    function _leaf(address account, uint256 cumulativeAmount) private pure returns (bytes32 leaf) {
        // Hashed in scratch space, no memory allocated: cheaper on every claim (README, "Gas").
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0x00, account)
            mstore(0x20, cumulativeAmount)
            mstore(0x00, keccak256(0x00, 0x40))
            leaf := keccak256(0x00, 0x20)
        }
    }
}
