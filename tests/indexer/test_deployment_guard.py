"""A database follows one deployment: every command that reads or pays from it refuses another.

Before, `settle --deployment <another deployment on the same chain>` posted this database's root
to the other distributor (exit 0), and a claim with this database's proof was then paid from
the other deployment's funds; `render-worker` and `serve` took any deployment file too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.chain.deployment import REPO_ROOT
from tests.support.chain import Anvil, EmitterDeployment

pytestmark = pytest.mark.chain

ANVIL_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def _styleledger(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        env=env, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT,
    )  # fmt: skip


def _other_deployment(em: EmitterDeployment, folder: Path) -> Path:
    """The same chain, other contract addresses."""
    document = json.loads(em.path.read_text())
    for i, entry in enumerate(document["contracts"].values()):
        entry["address"] = f"0x{0x7700 + i:040x}"
    folder.mkdir()
    path = folder / em.path.name
    path.write_text(json.dumps(document))
    return path


def test_commands_refuse_another_deployment(
    anvil: Anvil, emitters: EmitterDeployment, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    env = {
        **os.environ,
        "STYLELEDGER_DATABASE_URL": db_url,
        "STYLELEDGER_RPC_URL": anvil.url,
        "STYLELEDGER_DEPLOYMENT": str(emitters.path),
        "STYLELEDGER_DATA_DIR": str(tmp_path / "data"),
        "STYLELEDGER_SETTLER_KEY": ANVIL_KEY_0,
    }
    indexed = _styleledger(env, "index", "--once", "--quiet")
    assert indexed.returncode == 0, indexed.stderr
    other = {**env, "STYLELEDGER_DEPLOYMENT": str(_other_deployment(emitters, tmp_path / "b"))}
    for args in (
        ("settle",),
        ("settle", "--no-post"),
        ("render-worker", "--once", "--quiet"),
        ("serve", "--port", "0"),
        ("index", "--once", "--quiet"),
    ):
        refused = _styleledger(other, *args)
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr[-2000:])
        assert "error: " in refused.stderr and "follows deployment" in refused.stderr, args
        assert "Traceback" not in refused.stderr
    # the deployment it follows is accepted (nothing minted: no epoch to build)
    same = _styleledger(env, "render-worker", "--once", "--quiet")
    assert same.returncode == 0, same.stderr
