"""Chains and databases for the tests (no pytest in here; the fixtures are in fixtures.py).

* :func:`start_anvil`: the real anvil (``indexer.devchain``) with a zero base fee, as the tests
  want it; ``.stop()``.
* :func:`deploy_contracts`: ``scripts/deploy.py`` against a running anvil (``indexer.devchain``).
* :func:`dev_key`: the private key of one of anvil's funded accounts (the settler's, say).
* emitters (``indexer.devchain.emitters``): any event from any address, without the contracts.
* :func:`dump_tables`: every row of some tables, without surrogate keys, to compare databases.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Engine

from indexer.chain.deployment import REPO_ROOT
from indexer.devchain import anvil as devchain_anvil
from indexer.devchain import deploy as devchain_deploy
from indexer.devchain.anvil import Anvil
from indexer.devchain.emitters import EmitterDeployment, LogEmitter, emitter_deployment, load_abi

REPO = REPO_ROOT
DEPLOY_SCRIPT = devchain_deploy.DEPLOY_SCRIPT

__all__ = [
    "DEPLOY_SCRIPT",
    "REPO",
    "Anvil",
    "EmitterDeployment",
    "LogEmitter",
    "deploy_contracts",
    "dev_key",
    "dump_tables",
    "emitter_deployment",
    "free_port",
    "load_abi",
    "start_anvil",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_anvil(*extra: str) -> Anvil:
    """anvil on a free port, base fee 0 and gas price 1 (sums in the tests stay simple)."""
    return devchain_anvil.start_anvil("--base-fee", "0", "--gas-price", "1", *extra)


def deploy_contracts(anvil: Anvil, out_dir: Path, timeout: float = 300, **env: str) -> Path:
    """scripts/deploy.py against ``anvil``, deployed by its first unlocked account; ``env``: the
    script's settings (PLATFORM_BPS, CHALLENGE_DELAY...). Returns the deployment file."""
    return devchain_deploy.deploy_contracts(anvil.url, out_dir, timeout=timeout, env=env)


def dev_key(address: str) -> str:
    """The private key of ``address``, one of anvil's ten accounts (its well-known mnemonic)."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    for index in range(10):
        account = Account.from_mnemonic(
            devchain_anvil.ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}"
        )
        if account.address == address:
            return account.key.hex()
    raise LookupError(f"{address} is not one of anvil's default accounts")


_VOLATILE = {"id", "updated_at", "created_at"}


def dump_tables(engine: Engine, tables: list[Table]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``tables`` (surrogate ids and timestamps left out), sorted: compare with ==."""
    dump = {}
    with engine.connect() as conn:
        for table in tables:
            columns = [c for c in table.columns if c.name not in _VOLATILE]
            rows = conn.execute(select(*columns)).all()
            dump[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return dump
