"""Deploy and wire StyleLedger's contracts; write deployments/<chainId>.json.

Two ways in, one code path:

* against ANY JSON-RPC URL (a public network, a node, an anvil the tests started)::

      .venv-brownie/bin/python scripts/deploy.py --rpc-url http://127.0.0.1:8545
      make deploy RPC_URL=https://...    # DEPLOYER_PRIVATE_KEY=0x... in the environment

  brownie only compiles (``brownie.project.load``) here; the transactions go through web3.py with
  the deployer's key, so no ``~/.brownie`` network entry is needed. Without a key the node's first
  unlocked account deploys (dev chains such as anvil and ganache).
* on one of brownie's own networks: ``brownie run scripts/deploy.py --network anvil``.

Settings come from the environment (flags override the URL, key and output folder):

=============================  =====================================================  =========
variable                       meaning                                                default
=============================  =====================================================  =========
STYLELEDGER_RPC_URL            JSON-RPC URL                                           (needed)
DEPLOYER_PRIVATE_KEY           hex key of the deployer (owner and admin of all)       unlocked
SETTLER_ADDRESS                posts payout roots                                     deployer
GUARDIAN_ADDRESS               may veto a root in its challenge window                deployer
CURATOR_ADDRESS                suspends and reinstates styles                         deployer
PLATFORM_ADDRESS               withdraws the platform share                           deployer
CHALLENGE_DELAY                seconds before a root is claimable                     0
STYLE_PAYOUT_DELAY             seconds before a style's payout change takes effect    0
PLATFORM_BPS                   platform share of each sale (<= 1000)                  1000
BASE_URI                       token URI prefix                                       (none)
STYLELEDGER_DEPLOYMENTS_DIR    folder of <chainId>.json                               deployments
=============================  =====================================================  =========

Delays of 0 suit dev chains only; use a day or more on a public network. The script prints the
path of the file it wrote on its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path("build/contracts")
RECEIPT_TIMEOUT = 600
CONTRACTS = ("StyleRegistry", "PayoutDistributor", "ArtCore")

# The project's own modules (indexer.chain.sender) come from the checkout this script is in;
# `brownie run` puts it on the path already, `python scripts/deploy.py` does not.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class DeployError(RuntimeError):
    """A setting is missing or wrong, or a deployment transaction failed."""


@dataclass(frozen=True)
class Settings:
    rpc_url: str | None
    private_key: str | None
    settler: str | None
    guardian: str | None
    curator: str | None
    platform: str | None
    challenge_delay: int
    payout_delay: int
    platform_bps: int
    base_uri: str | None
    out_dir: Path

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ[str] = os.environ) -> Settings:
        def optional(name: str) -> str | None:
            return env.get(name) or None

        def integer(name: str, default: int) -> int:
            raw = env.get(name) or str(default)
            try:
                return int(raw)
            except ValueError:
                raise DeployError(f"{name} must be an integer, got {raw!r}") from None

        out = Path(env.get("STYLELEDGER_DEPLOYMENTS_DIR") or ROOT / "deployments")
        return cls(
            rpc_url=optional("STYLELEDGER_RPC_URL"),
            private_key=optional("DEPLOYER_PRIVATE_KEY"),
            settler=optional("SETTLER_ADDRESS"),
            guardian=optional("GUARDIAN_ADDRESS"),
            curator=optional("CURATOR_ADDRESS"),
            platform=optional("PLATFORM_ADDRESS"),
            challenge_delay=integer("CHALLENGE_DELAY", 0),
            payout_delay=integer("STYLE_PAYOUT_DELAY", 0),
            platform_bps=integer("PLATFORM_BPS", 1000),
            base_uri=optional("BASE_URI"),
            out_dir=out,
        )


def load_artifact(name: str) -> dict[str, Any]:
    """ABI and creation bytecode of `name` from brownie's build folder."""
    path = ROOT / BUILD / f"{name}.json"
    if not path.exists():
        raise DeployError(f"{path} is missing: compile first (`make compile`)")
    artifact = json.loads(path.read_text())
    return {"abi": artifact["abi"], "bytecode": artifact["bytecode"]}


class Deployer:
    """Sends StyleLedger's deployment transactions from one account, with its key or unlocked,
    through the project's one transaction sender (``indexer.chain.sender``): simulated first,
    refusals named by their custom error."""

    def __init__(self, w3: Any, private_key: str | None = None, sender: str | None = None) -> None:
        from indexer.chain.sender import TxSender

        self.w3 = w3
        address = None
        if not private_key:
            unlocked = w3.eth.accounts
            if sender is None and not unlocked:
                raise DeployError("no DEPLOYER_PRIVATE_KEY and the node has no unlocked account")
            address = sender or unlocked[0]
        abis = [load_artifact(name)["abi"] for name in CONTRACTS]
        self.sender = TxSender(
            w3, private_key, address=address, abis=abis, legacy_gas_price=True, name="deployer"
        )
        self.address = self.sender.address

    def deploy(self, name: str, *args: Any) -> tuple[Any, Any]:
        """Deploys contract `name`; returns (web3 contract, receipt)."""
        artifact = load_artifact(name)
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        receipt = self.transact(factory.constructor(*args), f"deploy {name}")
        return self.w3.eth.contract(address=receipt.contractAddress, abi=artifact["abi"]), receipt

    def transact(self, call: Any, what: str) -> Any:
        """Sends a contract call or constructor; returns the receipt (DeployError if it fails)."""
        from indexer.errors import TxReverted

        try:
            return self.sender.send(call, what=what, timeout=RECEIPT_TIMEOUT)
        except TxReverted as exc:
            raise DeployError(str(exc)) from exc


def deploy_all(deployer: Deployer, settings: Settings, rpc_hint: str) -> dict[str, Any]:
    """Deploys StyleRegistry, PayoutDistributor and ArtCore, wires them, returns the record."""
    w3 = deployer.w3
    me = deployer.address
    roles = {
        "owner": me,
        "settler": _address(w3, settings.settler, me, "SETTLER_ADDRESS"),
        "guardian": _address(w3, settings.guardian, me, "GUARDIAN_ADDRESS"),
        "curator": _address(w3, settings.curator, me, "CURATOR_ADDRESS"),
        "platform": _address(w3, settings.platform, me, "PLATFORM_ADDRESS"),
    }
    if not 0 <= settings.platform_bps <= 1000:
        raise DeployError(f"PLATFORM_BPS must lie in [0, 1000], got {settings.platform_bps}")

    registry, receipt = deployer.deploy("StyleRegistry", me, settings.payout_delay)
    deploy_block = receipt.blockNumber
    distributor, _ = deployer.deploy(
        "PayoutDistributor", me, roles["settler"], roles["guardian"], settings.challenge_delay
    )
    core, _ = deployer.deploy(
        "ArtCore", "StyleLedger", "STYLE", me, roles["platform"], distributor.address
    )

    deployer.transact(distributor.functions.setCore(core.address), "PayoutDistributor.setCore")
    curator_role = registry.functions.CURATOR_ROLE().call()
    deployer.transact(
        registry.functions.grantRole(curator_role, roles["curator"]), "StyleRegistry.grantRole"
    )
    if settings.platform_bps != 1000:
        deployer.transact(
            core.functions.setPlatformBps(settings.platform_bps), "ArtCore.setPlatformBps"
        )
    if settings.base_uri:
        deployer.transact(core.functions.setBaseURI(settings.base_uri), "ArtCore.setBaseURI")

    contracts = {"StyleRegistry": registry, "ArtCore": core, "PayoutDistributor": distributor}
    return {
        "chainId": w3.eth.chain_id,
        "deployBlock": deploy_block,
        "rpcHint": rpc_hint,
        "contracts": {
            name: {"address": c.address, "abi": str(BUILD / f"{name}.json")}
            for name, c in contracts.items()
        },
        "roles": roles,
        "platformBps": settings.platform_bps,
        "challengeDelay": settings.challenge_delay,
    }


def write_record(record: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{record['chainId']}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def rpc_hint(url: str) -> str:
    """The URL without path, query or credentials (which may hold an API key)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}:{parts.port}" if parts.port else f"{parts.scheme}://{host}"


def _address(w3: Any, value: str | None, default: str, name: str) -> str:
    if value is None:
        return default
    if not w3.is_address(value):
        raise DeployError(f"{name} is not an address: {value!r}")
    return w3.to_checksum_address(value)


def compile_contracts() -> None:
    """Compiles what changed, with the project's solc (bin/solc over solcjs unless native)."""
    os.environ.setdefault("SOLCX_BINARY_PATH", str(ROOT / ".solcx"))
    extra = [ROOT / "node_modules/@foundry-rs/anvil-linux-amd64/bin", ROOT / "node_modules/.bin"]
    os.environ["PATH"] = os.pathsep.join([*map(str, extra), str(ROOT / "bin"), os.environ["PATH"]])
    from brownie import project

    project.load(ROOT, name="StyleLedgerDeploy").close(raises=False)


def cli(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rpc-url", help="JSON-RPC URL (default: $STYLELEDGER_RPC_URL)")
    parser.add_argument("--out-dir", type=Path, help="folder for <chainId>.json")
    parser.add_argument(
        "--no-compile", action="store_true", help="use build/contracts as it is (faster)"
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    url = args.rpc_url or settings.rpc_url
    if not url:
        raise DeployError("no RPC URL: pass --rpc-url or set STYLELEDGER_RPC_URL")
    if not args.no_compile:
        compile_contracts()

    from web3 import HTTPProvider, Web3

    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 60}))
    if not w3.is_connected():
        raise DeployError(f"cannot reach {rpc_hint(url)}")
    record = deploy_all(Deployer(w3, settings.private_key), settings, rpc_hint(url))
    return write_record(record, args.out_dir or settings.out_dir)


def main() -> None:
    """``brownie run scripts/deploy.py --network <id>``: deploy on brownie's connected network."""
    from brownie import web3

    settings = Settings.from_env()
    deployer = Deployer(web3, settings.private_key)
    url = getattr(web3.provider, "endpoint_uri", None) or "brownie"
    path = write_record(deploy_all(deployer, settings, rpc_hint(url)), settings.out_dir)
    print(path)


if __name__ == "__main__":
    try:
        print(cli())
    except DeployError as exc:
        sys.exit(f"deploy: {exc}")
