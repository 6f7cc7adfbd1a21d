"""The JSON-RPC connection: connect (checked), raw calls, and a chain opened with its deployment.

Every way this can go wrong raises a :class:`~indexer.errors.ChainError` subclass whose message
says what to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from web3 import Web3

from indexer.chain.deployment import Deployment, default_deployment_path, load_deployment
from indexer.errors import ChainIdMismatchError, RPCError, RPCUnreachableError


def connect(rpc_url: str, *, timeout: float = 30.0) -> Web3:
    """An HTTP web3 connection that has answered ``eth_chainId`` (RPCUnreachableError if not)."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    try:
        rpc_call(w3, "eth_chainId", [])
    except (requests.RequestException, OSError) as exc:
        raise RPCUnreachableError(
            f"cannot reach the RPC at {rpc_url} ({type(exc).__name__}): is the node running? "
            "Set STYLELEDGER_RPC_URL"
        ) from exc
    return w3


def rpc_call(w3: Web3, method: str, params: list[Any]) -> Any:
    """A raw JSON-RPC call (no web3 formatters: fast, and errors come back as RPCError)."""
    response = w3.provider.make_request(method, params)  # type: ignore[arg-type]
    if "error" in response:
        error = response["error"]
        if isinstance(error, dict):
            raise RPCError(method, error.get("code"), str(error.get("message")))
        raise RPCError(method, None, str(error))
    return response["result"]


def chain_id_of(w3: Web3) -> int:
    return int(rpc_call(w3, "eth_chainId", []), 16)


def open_chain(
    rpc_url: str, deployment_path: Path | str | None = None, *, timeout: float = 30.0
) -> tuple[Web3, Deployment]:
    """Connect, load the deployment (default ``deployments/<chainId>.json``), check the chain id."""
    w3 = connect(rpc_url, timeout=timeout)
    chain_id = chain_id_of(w3)
    path = Path(deployment_path) if deployment_path else default_deployment_path(chain_id)
    deployment = load_deployment(path)
    if deployment.chain_id != chain_id:
        raise ChainIdMismatchError(
            f"{path} is for chain {deployment.chain_id} but the RPC at {rpc_url} serves chain "
            f"{chain_id}: point STYLELEDGER_RPC_URL or STYLELEDGER_DEPLOYMENT at the right one"
        )
    return w3, deployment
