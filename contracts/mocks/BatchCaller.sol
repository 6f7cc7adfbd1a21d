// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @dev Test-only contract wallet that makes several calls in one transaction (as a smart account
 * or an EIP-7702 batch would), bubbling up the first revert as it came. Used to try the issue-12
 * attacks that need two steps in one transaction. Never deployed by scripts/deploy.py.
 */
contract BatchCaller {
    function run(address[] calldata targets, bytes[] calldata data, uint256[] calldata values) external payable {
        for (uint256 i; i < targets.length; ++i) {
            (bool ok, bytes memory ret) = targets[i].call{value: values[i]}(data[i]);
            if (!ok) {
                // solhint-disable-next-line no-inline-assembly
                assembly ("memory-safe") {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
    }

    receive() external payable {}
}
