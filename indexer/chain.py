"""The chain side of the indexer: a web3 connection, the deployment file and the contracts' ABIs.

The deployment file (``deployments/<chainId>.json``, written by ``scripts/deploy.py``) names the
contracts, their addresses, the block they were deployed at and where their ABIs are
(``build/contracts/<Name>.json``, brownie's artifacts; only their ``abi`` is read). Every way
this can go wrong raises a :class:`ChainError` subclass whose message says what to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from eth_utils import is_address, to_checksum_address
from web3 import Web3

CONTRACT_NAMES = ("StyleRegistry", "ArtCore", "PayoutDistributor")
REPO_ROOT = Path(__file__).resolve().parent.parent


class ChainError(RuntimeError):
    """Root of the indexer's chain errors (each subclass also inherits the built-in it resembles)."""


class DeploymentFileError(ChainError, FileNotFoundError):
    """The deployment file or an ABI it names is missing or malformed."""


class RPCUnreachableError(ChainError, ConnectionError):
    """The JSON-RPC endpoint does not answer."""


class ChainIdMismatchError(ChainError, ValueError):
    """The RPC serves another chain than the deployment file was written for."""


class RPCError(ChainError):
    """A JSON-RPC call answered with an error object."""

    def __init__(self, method: str, code: int | None, message: str) -> None:
        super().__init__(f"{method} failed: {message} (code {code})")
        self.method = method
        self.code = code
        self.rpc_message = message


@dataclass(frozen=True)
class ContractInfo:
    name: str
    address: str  # checksummed
    abi: list[dict[str, Any]] = field(repr=False)


@dataclass(frozen=True)
class Deployment:
    """What ``deployments/<chainId>.json`` says, with the ABIs loaded."""

    path: Path
    chain_id: int
    deploy_block: int
    contracts: dict[str, ContractInfo]
    roles: dict[str, str]
    platform_bps: int
    challenge_delay: int
    raw: dict[str, Any] = field(repr=False)

    @property
    def addresses(self) -> list[str]:
        return [c.address for c in self.contracts.values()]

    @property
    def platform(self) -> str | None:
        """The platform's address as deployed: the ``platform`` role, else the ``owner`` (the
        indexer follows ``PlatformRecipientUpdated`` from there)."""
        return self.roles.get("platform", self.roles.get("owner"))

    @property
    def key(self) -> str:
        """Identifies the deployment in the database: its addresses, lower-case, in fixed order."""
        return ",".join(self.contracts[name].address.lower() for name in CONTRACT_NAMES)


def default_deployment_path(chain_id: int, root: Path = REPO_ROOT) -> Path:
    return root / "deployments" / f"{chain_id}.json"


def load_deployment(path: Path | str) -> Deployment:
    """Read and check a deployment file; ABI paths are relative to the repository root."""
    path = Path(path)
    if not path.is_file():
        raise DeploymentFileError(
            f"deployment file {path} not found: deploy the contracts first "
            "(`brownie run scripts/deploy.py --network <net>`) or set STYLELEDGER_DEPLOYMENT"
        )
    try:
        raw = json.loads(path.read_text())
        chain_id = int(raw["chainId"])
        deploy_block = int(raw["deployBlock"])
        entries = raw["contracts"]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DeploymentFileError(f"deployment file {path} is malformed: {exc!r}") from exc
    contracts = {}
    for name in CONTRACT_NAMES:
        if name not in entries:
            raise DeploymentFileError(f"deployment file {path} has no contract {name!r}")
        contracts[name] = _contract_info(path, name, entries[name])
    return Deployment(
        path=path,
        chain_id=chain_id,
        deploy_block=deploy_block,
        contracts=contracts,
        roles={k: to_checksum_address(v) for k, v in raw.get("roles", {}).items()},
        platform_bps=int(raw.get("platformBps", 1000)),
        challenge_delay=int(raw.get("challengeDelay", 0)),
        raw=raw,
    )


def _contract_info(path: Path, name: str, entry: dict[str, Any]) -> ContractInfo:
    address = entry.get("address", "")
    if not is_address(address):
        raise DeploymentFileError(f"deployment file {path}: {name} address {address!r} is invalid")
    abi_ref = entry.get("abi")
    if isinstance(abi_ref, list):  # an inline ABI
        return ContractInfo(name, to_checksum_address(address), abi_ref)
    candidates = [Path(abi_ref or f"build/contracts/{name}.json")]
    if not candidates[0].is_absolute():
        candidates = [path.resolve().parent.parent / candidates[0], REPO_ROOT / candidates[0]]
    for candidate in candidates:
        if candidate.is_file():
            artifact = json.loads(candidate.read_text())
            abi = artifact["abi"] if isinstance(artifact, dict) else artifact
            return ContractInfo(name, to_checksum_address(address), abi)
    raise DeploymentFileError(
        f"ABI of {name} not found at {candidates[0]}: run `make compile` (brownie's artifacts)"
    )


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
