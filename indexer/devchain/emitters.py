"""Log emitters: any address made to emit any event of an ABI, to drive the sync without the
real contracts (tests and the sync bench).

``anvil_setCode`` puts a 100-byte contract at the address whose fallback LOGs its calldata:
``calldata[0]`` is the topic count, then the topics, then the data. ``emitter_deployment`` writes
a deployment file whose three contracts are such emitters, with the real ABIs from brownie's
build folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import event_abi_to_log_topic, to_checksum_address
from eth_utils.abi import collapse_if_tuple

from indexer.chain.deployment import CONTRACT_NAMES, REPO_ROOT
from indexer.devchain.anvil import Anvil
from indexer.errors import DeploymentFileError

# LogEmitter: fallback() { n = calldata[0]; topics = calldata[1 : 1 + 32n]; LOGn(rest) }
# (solc 0.8.28, shanghai, from:
#   let n := shr(248, calldataload(0)) let off := add(1, mul(32, n))
#   let size := sub(calldatasize(), off) calldatacopy(0, off, size)
#   switch n case 0 { log0(0, size) } case 1 { log1(0, size, calldataload(1)) } ... log4)
LOG_EMITTER_CODE = (
    "0x6080604052348015600e575f5ffd5b505f35611fe08160f31c165f198136030180826001015f378260f8"
    "1c5f811460565760018114605b576002811460635760038114606e57606135604135602135600135855f"
    "a4005b815fa0005b600135825fa1005b602135600135835fa2005b604135602135600135845fa300fe"
)


def load_abi(name: str) -> list[dict[str, Any]]:
    path = REPO_ROOT / "build" / "contracts" / f"{name}.json"
    if not path.is_file():
        raise DeploymentFileError(f"{path} missing: run `make compile`")
    return json.loads(path.read_text())["abi"]


class LogEmitter:
    """Makes ``address`` emit the events of ``abi`` with any arguments (one log per transaction)."""

    def __init__(self, anvil: Anvil, address: str, abi: list[dict[str, Any]]) -> None:
        self.anvil = anvil
        self.address = to_checksum_address(address)
        self.events = {e["name"]: e for e in abi if e.get("type") == "event"}
        anvil.rpc("anvil_setCode", self.address, LOG_EMITTER_CODE)

    def calldata(self, event: str, **args: Any) -> str:
        abi = self.events[event]
        topics = [event_abi_to_log_topic(abi)]
        data_types, data_values = [], []
        for arg in abi["inputs"]:
            type_str = collapse_if_tuple(arg)
            if arg["indexed"]:
                topics.append(abi_encode([type_str], [args[arg["name"]]]))
            else:
                data_types.append(type_str)
                data_values.append(args[arg["name"]])
        payload = bytes([len(topics)]) + b"".join(topics) + abi_encode(data_types, data_values)
        return "0x" + payload.hex()

    def emit(self, event: str, *, sender: str | None = None, wait: bool = True, **args: Any) -> str:
        """Send the transaction; returns its hash once it is mined (``wait``). anvil answers
        ``eth_sendTransaction`` before its automine has made the block: a head read right after
        could miss it."""
        tx = {
            "from": sender or self.anvil.accounts[0],
            "to": self.address,
            "data": self.calldata(event, **args),
            "gas": hex(200_000),
        }
        tx_hash = self.anvil.rpc("eth_sendTransaction", tx)
        if wait:
            self.anvil.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.01)
        return tx_hash


@dataclass
class EmitterDeployment:
    path: Path
    registry: LogEmitter
    core: LogEmitter
    distributor: LogEmitter


def emitter_deployment(anvil: Anvil, folder: Path, platform_bps: int = 1000) -> EmitterDeployment:
    """Three emitters standing in for the contracts, and their deployment file in ``folder``."""
    emitters = [
        LogEmitter(anvil, f"0x{0x5100 + i:040x}", load_abi(name))
        for i, name in enumerate(CONTRACT_NAMES)
    ]
    deploy_block = anvil.head() + 1
    document = {
        "chainId": int(anvil.rpc("eth_chainId"), 16),
        "deployBlock": deploy_block,
        "rpcHint": anvil.url,
        "contracts": {
            name: {
                "address": e.address,
                "abi": str(REPO_ROOT / "build" / "contracts" / f"{name}.json"),
            }
            for name, e in zip(CONTRACT_NAMES, emitters, strict=True)
        },
        "roles": {},
        "platformBps": platform_bps,
        "challengeDelay": 0,
    }
    path = folder / f"{document['chainId']}.json"
    path.write_text(json.dumps(document, indent=2))
    return EmitterDeployment(path, *emitters)
