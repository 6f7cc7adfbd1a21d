"""The deployment file and the contracts' ABIs.

The deployment file (``deployments/<chainId>.json``, written by ``scripts/deploy.py``) names the
contracts, their addresses, the block they were deployed at and where their ABIs are
(``build/contracts/<Name>.json``, brownie's artifacts; only their ``abi`` is read). A missing or
malformed file raises :class:`~indexer.errors.DeploymentFileError`, saying what to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import is_address, to_checksum_address

from indexer.errors import DeploymentFileError

CONTRACT_NAMES = ("StyleRegistry", "ArtCore", "PayoutDistributor")
REPO_ROOT = Path(__file__).resolve().parents[2]  # the source checkout (deployments/, build/)


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
