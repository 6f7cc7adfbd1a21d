"""What the service reads from outside its database: the deployment file and the chain head.

Both are optional: without a deployment file the API still serves what is indexed (the page and
previews need it); without an RPC endpoint /health reports ``degraded`` with no chain head.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import keccak

from indexer.chain.deployment import Deployment, default_deployment_path, load_deployment
from indexer.errors import ChainError


def _rpc(
    client: httpx.Client, url: str, method: str, timeout: float, params: list[Any] | None = None
) -> Any:
    response = client.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []},
        timeout=timeout,
    )
    response.raise_for_status()
    return response.json()["result"]


_CLAIMABLE_ROOT = "0x" + keccak(text="claimableRoot()")[:4].hex()


class ChainView:
    """Finds and caches the deployment file; reads the chain head at most once per ``ttl``."""

    def __init__(self, rpc_url: str, deployment: Path | None, ttl: float) -> None:
        self._rpc_url = rpc_url
        self._path = deployment
        self._ttl = ttl
        self._lock = threading.Lock()
        self._deployment: Deployment | None = None
        self._client = httpx.Client()
        self._chain_id: int | None = None
        self._chain_id_tried = float("-inf")
        self._head: tuple[float, int | None] = (float("-inf"), None)
        # read at most once per ``ttl``, like the head: claim tickets under load ask the chain
        self._claimable: tuple[float, tuple[int, str] | None] = (float("-inf"), None)

    def chain_id(self) -> int | None:
        """The RPC's chain id (asked once; a failure is retried at most once per ``ttl``)."""
        if self._chain_id is None:
            now = time.monotonic()
            if now - self._chain_id_tried < max(self._ttl, 1.0):
                return None
            self._chain_id_tried = now
            try:
                self._chain_id = int(_rpc(self._client, self._rpc_url, "eth_chainId", 2.0), 16)
            except (httpx.HTTPError, KeyError, ValueError, TypeError):
                return None
        return self._chain_id

    def deployment(self) -> Deployment | None:
        if self._deployment is None:
            path = self._path
            if path is None:
                chain_id = self.chain_id()
                if chain_id is None:
                    return None
                path = default_deployment_path(chain_id)
            try:
                self._deployment = load_deployment(path)
            except ChainError:
                return None
        return self._deployment

    def contract_address(self, name: str) -> str | None:
        deployment = self.deployment()
        if deployment is None or name not in deployment.contracts:
            return None
        return deployment.contracts[name].address

    def claimable_root(self) -> tuple[int, str] | None:
        """``PayoutDistributor.claimableRoot()``: the (epoch, root) claims are checked against
        right now, read from the chain (None without a deployment or an answer). The indexed
        roots lag behind it: after ``settle`` posts a root with no challenge delay, the contract
        takes only the new root's proofs before the indexer has read it."""
        distributor = self.contract_address("PayoutDistributor")
        if distributor is None:
            return None
        with self._lock:
            read_at, cached = self._claimable
            if time.monotonic() - read_at < self._ttl:
                return cached
        answer = self._read_claimable_root(distributor)
        with self._lock:
            self._claimable = (time.monotonic(), answer)
        return answer

    def _read_claimable_root(self, distributor: str) -> tuple[int, str] | None:
        try:
            raw = _rpc(
                self._client, self._rpc_url, "eth_call", 2.0,
                [{"to": distributor, "data": _CLAIMABLE_ROOT}, "latest"],
            )  # fmt: skip
            epoch, root, _total = abi_decode(
                ["uint256", "bytes32", "uint256"], bytes.fromhex(raw.removeprefix("0x"))
            )
        except (httpx.HTTPError, KeyError, ValueError, TypeError, DecodingError):
            return None
        return int(epoch), "0x" + bytes(root).hex()

    def head(self) -> tuple[int | None, int | None]:
        """(chain id, head block), either None when the RPC cannot be read."""
        with self._lock:
            read_at, head = self._head
            if time.monotonic() - read_at >= self._ttl:
                try:
                    head = int(_rpc(self._client, self._rpc_url, "eth_blockNumber", 1.0), 16)
                except (httpx.HTTPError, KeyError, ValueError, TypeError):
                    head = None
                self._head = (time.monotonic(), head)
        return self.chain_id(), head
