// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @dev Test-only: forces its value into `to` by self-destructing in its constructor (no receive
 * function can refuse it), as anyone could do to the distributor. Never deployed by
 * scripts/deploy.py.
 */
contract ForcedEtherSender {
    constructor(address payable to) payable {
        selfdestruct(to);
    }
}
