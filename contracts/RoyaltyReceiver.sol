// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

import {IPayoutDistributor} from "./interfaces/IPayoutDistributor.sol";

/**
 * @title RoyaltyReceiver
 * @notice The EIP-2981 royalty receiver of one ArtCore project. ArtCore deploys one minimal clone
 * of this contract per project (OpenZeppelin `Clones`, the project id as its immutable argument);
 * marketplaces pay royalties to it, and anyone may {forward} what it holds to the
 * PayoutDistributor, tagged with the project id (pull style: receiving costs the payer nothing
 * beyond the proxy hop, forwarding is a separate transaction).
 *
 * @dev Clones delegate every call to this implementation, so a payer must forward more than the
 * 2,300-gas stipend of Solidity's `transfer`/`send` (the cold DELEGATECALL alone costs 2,600):
 * pay with `call`, as current marketplaces do. The implementation itself refuses ether.
 */
contract RoyaltyReceiver {
    /// @dev There is nothing to forward: the receiver holds no ether.
    error RoyaltyReceiverNothingToForward();

    /// @dev The implementation contract is not a project's receiver: it refuses ether.
    error RoyaltyReceiverNotAClone();

    /// @notice `amount` wei of royalties of `projectId` went to the distributor.
    event RoyaltiesForwarded(uint256 indexed projectId, uint256 amount);

    IPayoutDistributor private immutable _distributor;
    address private immutable _implementation;

    /// @notice Deploys the implementation every project's clone delegates to.
    /// @param distributor_ the PayoutDistributor every clone forwards to.
    constructor(IPayoutDistributor distributor_) {
        _distributor = distributor_;
        _implementation = address(this);
    }

    /// @notice Accepts royalties (clones only).
    receive() external payable {
        if (address(this) == _implementation) revert RoyaltyReceiverNotAClone();
    }

    /**
     * @notice Sends everything this receiver holds to the distributor, tagged with its project id.
     * Anyone may call it.
     *
     * Requirements: the balance is not zero.
     *
     * Emits a {RoyaltiesForwarded} event (and the distributor's `Deposited`).
     */
    function forward() external returns (uint256 amount) {
        amount = address(this).balance;
        if (amount == 0) revert RoyaltyReceiverNothingToForward();
        uint256 id = projectId();
        emit RoyaltiesForwarded(id, amount);
        _distributor.deposit{value: amount}(id);
    }

    /// @notice The project whose royalties this receiver collects (0 for the implementation).
    function projectId() public view returns (uint256) {
        if (address(this) == _implementation) return 0;
        return abi.decode(Clones.fetchCloneArgs(address(this)), (uint256));
    }

    /// @notice The PayoutDistributor royalties are forwarded to.
    function distributor() external view returns (address) {
        return address(_distributor);
    }
}
