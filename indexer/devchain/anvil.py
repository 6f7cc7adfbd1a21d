"""anvil, the real binary from node_modules (not its Node wrapper), on a port the OS picks."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address
from web3 import Web3

from indexer.chain.deployment import REPO_ROOT
from indexer.devchain.processes import Processes
from indexer.errors import ChainError

ANVIL = REPO_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
START_TIMEOUT_S = 30.0


@dataclass
class Anvil:
    """A running anvil: ``url``, a web3 on it, raw RPC calls and a few anvil-only helpers."""

    proc: subprocess.Popen[str]
    port: int
    url: str
    w3: Web3 = field(repr=False)

    def rpc(self, method: str, *params: Any) -> Any:
        answer = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    @property
    def accounts(self) -> list[str]:
        return [to_checksum_address(a) for a in self.rpc("eth_accounts")]

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", hex(blocks))

    def head(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def stop(self) -> None:
        Processes.stop(self.proc)


def start_anvil(
    *extra: str,
    accounts: int = 10,
    balance: int = 10_000,
    processes: Processes | None = None,
    port: int = 0,
) -> Anvil:
    """Start anvil with ``accounts`` funded accounts of anvil's mnemonic (``extra``: more flags,
    e.g. ``--base-fee 0``) on ``port`` (0: one the OS picks); returns once it listens. With
    ``processes`` it joins that group."""
    if not ANVIL.is_file():
        raise ChainError(f"{ANVIL} missing: run `make install`")
    cmd = [str(ANVIL), "--port", str(port), "--accounts", str(accounts), "--balance", str(balance)]
    group = processes or Processes()
    proc = group.start([*cmd, *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    port: int | None = None
    deadline = time.monotonic() + START_TIMEOUT_S
    for line in proc.stdout:
        if "Listening on" in line:
            port = int(line.strip().rsplit(":", 1)[1])
            break
        if time.monotonic() > deadline:
            break
    if port is None:
        Processes.stop(proc)
        raise ChainError(f"anvil did not start (no 'Listening on' line within {START_TIMEOUT_S} s)")
    # drain its log so it never blocks on a full pipe
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    return Anvil(proc, port, url, Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60})))
