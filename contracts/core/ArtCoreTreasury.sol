// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IArtCore} from "../interfaces/IArtCore.sol";
import {IPayoutDistributor} from "../interfaces/IPayoutDistributor.sol";

/**
 * @title ArtCoreTreasury
 * @notice The money part of {ArtCore}: each sale's price splits into the platform balance
 * (`price * platformBps / 10000`, withdrawn by the platform recipient, pull) and the creator pool
 * (the rest). Pools accrue here and reach the PayoutDistributor in batches through
 * {sweepCreatorPools} (anyone; the distributor also sweeps before each root) rather than one
 * transfer per mint. Every pool is traceable to its token: `Mint` carries the price,
 * {PlatformBpsUpdated} the rate and {CreatorPoolsSwept} the running total.
 *
 * @dev Storage:
 * - `_ledger`: one slot, read and written by every sale: platformBps (2 bytes) |
 *   externalRandomizer (1) | platformBalance (14) | creatorPoolsPending (14). The randomizer flag
 *   belongs to the sales part ({ArtCoreSales-setRandomizer}); it is packed here so that a mint
 *   reads one slot for both.
 * - `_platform`, `_creatorPoolsSwept`, `_platformWithdrawn`: one slot each, cold.
 */
abstract contract ArtCoreTreasury is IArtCore, Ownable2Step {
    // ───────────────────────────────────────── constants ───────────────────────────────────────────

    /// @notice Cap (and default) of the platform share, in basis points.
    uint256 public constant MAX_PLATFORM_BPS = 1000;

    uint256 private constant _BPS = 10_000;

    // ────────────────────────────────────────── storage ────────────────────────────────────────────

    struct Ledger {
        uint16 platformBps;
        bool externalRandomizer;
        uint112 platformBalance;
        uint112 creatorPoolsPending;
    }

    IPayoutDistributor private immutable _distributor;

    Ledger private _ledger;
    address private _platform;
    uint256 private _creatorPoolsSwept;
    uint256 private _platformWithdrawn;

    /**
     * @notice Sets the platform recipient and the distributor, the platform share at its cap.
     * @param platform_ withdraws the platform balance.
     * @param distributor_ receives the creator pools.
     *
     * Requirements: `platform_` is not zero; `distributor_` is a contract.
     *
     * Emits {PlatformBpsUpdated} ({MAX_PLATFORM_BPS}) and {PlatformRecipientUpdated}.
     */
    constructor(address platform_, IPayoutDistributor distributor_) {
        if (platform_ == address(0)) revert ArtCoreInvalidAddress(platform_);
        if (address(distributor_).code.length == 0) revert ArtCoreInvalidAddress(address(distributor_));
        _distributor = distributor_;
        _ledger.platformBps = uint16(MAX_PLATFORM_BPS);
        _platform = platform_;
        emit PlatformBpsUpdated(MAX_PLATFORM_BPS);
        emit PlatformRecipientUpdated(platform_);
    }

    // ─────────────────────────────────────────── money ─────────────────────────────────────────────

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

    // ─────────────────────────────────────────── owner ─────────────────────────────────────────────

    /**
     * @notice Sets the platform share of the sales made from now on.
     *
     * Requirements: the caller is the owner; `bps` <= {MAX_PLATFORM_BPS}.
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
     * Requirements: the caller is the owner; `platform_` is not zero.
     *
     * Emits a {PlatformRecipientUpdated} event.
     */
    function setPlatformRecipient(address platform_) external onlyOwner {
        if (platform_ == address(0)) revert ArtCoreInvalidAddress(platform_);
        _platform = platform_;
        emit PlatformRecipientUpdated(platform_);
    }

    // ─────────────────────────────────────────── views ─────────────────────────────────────────────

    /// @notice The PayoutDistributor that receives creator pools and royalties.
    function distributor() external view returns (address) {
        return address(_distributor);
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
        Ledger memory sums = _ledger;
        return (sums.platformBalance, _platformWithdrawn, sums.creatorPoolsPending, _creatorPoolsSwept);
    }

    // ────────────────────────────────────────── internal ───────────────────────────────────────────

    /**
     * @dev Splits a sale at `price` (a project's price, so below 2^96, just received) into the
     * platform balance and the creator pool; returns whether random mints ask the pluggable
     * randomizer (the flag shares the ledger's slot). One read and one write of that slot.
     */
    function _recordSale(uint256 price) internal returns (bool externalRandomizer) {
        Ledger memory sums = _ledger;
        unchecked {
            // price < 2^96 and bps <= 1000: no overflow. Both balances are at most this
            // contract's ether balance, far below 2^112 wei.
            uint256 platformShare = (price * sums.platformBps) / _BPS;
            sums.platformBalance += uint112(platformShare);
            sums.creatorPoolsPending += uint112(price - platformShare);
        }
        _ledger = sums;
        return sums.externalRandomizer;
    }

    /// @dev Records whether random mints ask the pluggable randomizer (see {_recordSale}).
    function _setExternalRandomizer(bool on) internal {
        _ledger.externalRandomizer = on;
    }
}
