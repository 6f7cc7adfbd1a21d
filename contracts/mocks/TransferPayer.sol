// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @dev Test-only marketplace stand-in that pays a royalty receiver with `call` (all gas) or with
 * Solidity's `transfer` (2,300 gas), to document which one a receiver clone accepts. Never
 * deployed by scripts/deploy.py.
 */
contract TransferPayer {
    error TransferPayerFailed();

    function payWithCall(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}("");
        if (!ok) revert TransferPayerFailed();
    }

    function payWithTransfer(address payable to) external payable {
        to.transfer(msg.value);
    }
}
