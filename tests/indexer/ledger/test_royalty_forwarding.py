"""Royalties reach the distributor without anyone remembering to call each receiver's
``forward()``: ``settle`` forwards what waits (``--no-post`` says what it left), and /projects
names each project's receiver and rate. Before, no command forwarded them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.api.main import create_app
from indexer.chain.deployment import REPO_ROOT, load_deployment
from indexer.settings import load_settings
from tests.support.chain import Anvil

pytestmark = pytest.mark.chain

SETTLER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's 0
ROYALTY = 3 * 10**15


def _styleledger(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        env=env, capture_output=True, text=True, timeout=180, cwd=REPO_ROOT,
    )  # fmt: skip


def test_settle_forwards_waiting_royalties(anvil: Anvil, deployed: Path, tmp_path: Path) -> None:
    w3 = anvil.w3
    dep = load_deployment(deployed)
    core = w3.eth.contract(
        address=dep.contracts["ArtCore"].address, abi=dep.contracts["ArtCore"].abi
    )
    author, marketplace = anvil.accounts[6], anvil.accounts[7]
    tx = core.functions.createProject(
        "R", "red stripes", bytes.fromhex("ab" * 32), (2, 750, 64, 64, "ddim"), 10**16, 10, False
    ).transact({"from": author})
    w3.eth.wait_for_transaction_receipt(tx)
    project_id = core.functions.projectCount().call()
    # on a 10,000 wei sale the royalty in wei is the rate in basis points
    receiver, bps = core.functions.royaltyInfo(project_id * 1_000_000, 10_000).call()
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": marketplace, "to": receiver, "value": ROYALTY})
    )
    env = {
        **os.environ,
        "STYLELEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "STYLELEDGER_RPC_URL": anvil.url,
        "STYLELEDGER_DEPLOYMENT": str(deployed),
        "STYLELEDGER_DATA_DIR": str(tmp_path / "data"),
    }
    assert _styleledger(env, "index", "--once", "--quiet").returncode == 0
    told = _styleledger(env, "settle", "--no-post")
    assert told.returncode == 0, told.stderr
    assert f"{ROYALTY} wei of royalties wait in 1 receivers" in told.stdout
    assert w3.eth.get_balance(receiver) == ROYALTY  # nothing sent without a key

    settled = _styleledger({**env, "STYLELEDGER_SETTLER_KEY": SETTLER_KEY}, "settle")
    assert settled.returncode == 0, settled.stderr
    assert f"forwarded {ROYALTY} wei of royalties from 1 receivers" in settled.stdout
    assert w3.eth.get_balance(receiver) == 0
    assert w3.eth.get_balance(dep.contracts["PayoutDistributor"].address) >= ROYALTY

    settings = load_settings(database_url=env["STYLELEDGER_DATABASE_URL"], rpc_url=anvil.url)
    with TestClient(create_app(settings)) as client:
        project = client.get(f"/projects/{project_id}").json()
    assert project["royalty_receiver"] == receiver
    assert project["royalty_bps"] == bps > 0  # the rate marketplaces read is the one served
