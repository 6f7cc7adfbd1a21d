"""`styleledger index` as a process: kill -9 mid-sync and restart gives the uninterrupted result;
clear errors for an unreachable RPC, a wrong chain id, a missing deployment, a bad database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from indexer.db.models.chain import SyncCursor
from tests.support.chain import Anvil, EmitterDeployment
from tests.support.sync import MODEL, PRICE, SETTINGS, chain_dump, fresh_dump, mint

pytestmark = pytest.mark.chain

STYLELEDGER = Path(sys.executable).with_name("styleledger")  # the installed console script


def index_env(anvil: Anvil, deployment: Path, db_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "STYLELEDGER_RPC_URL": anvil.url,
        "STYLELEDGER_DEPLOYMENT": str(deployment),
        "STYLELEDGER_DATABASE_URL": db_url,
        **extra,
    }


def cursor_of(engine: Engine) -> int:
    with Session(engine) as s:
        return s.scalars(select(SyncCursor.next_block)).first() or 0


def test_kill_9_mid_sync_then_restart(
    anvil: Anvil, emitters: EmitterDeployment, db_url: str, db_engine: Engine, tmp_path: Path
):
    em = emitters
    em.core.emit(
        "ProjectCreated", projectId=1, author=em.core.address, name="P", prompt="p",
        modelId=MODEL, settings=SETTINGS, price=PRICE, maxSupply=10**6, previewMint=False,
    )  # fmt: skip
    em.registry.emit(
        "StyleRegistered", styleId=1, owner=em.core.address, name="S", keywords=["ink"],
        payout=em.core.address, metadataURI="",
    )  # fmt: skip
    for i in range(240):
        mint(em, 1_000_000 + i)
        if i % 40 == 0:
            em.registry.emit("StyleKeywordsUpdated", styleId=1, keywords=["ink", f"k{i}"])
    head = anvil.head()
    env = index_env(
        anvil, em.path, db_url, STYLELEDGER_CHUNK_SIZE="1", STYLELEDGER_MAX_CHUNK_SIZE="2"
    )
    command = [str(STYLELEDGER), "index", "--once", "--quiet"]
    kills = 0
    for stop_at in (em_deploy(em) + 60, em_deploy(em) + 150):
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while cursor_of(db_engine) < stop_at and proc.poll() is None:
            assert time.monotonic() < deadline, "the indexer made no progress"
            time.sleep(0.005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        assert cursor_of(db_engine) <= head  # it was stopped mid-way
    assert kills == 2
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert cursor_of(db_engine) == head + 1
    assert chain_dump(db_engine) == fresh_dump(anvil, em.path, f"sqlite:///{tmp_path / 'f.sqlite'}")


def em_deploy(em: EmitterDeployment) -> int:
    return json.loads(em.path.read_text())["deployBlock"]


def run_index(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``index --once`` through ``python -m indexer`` (no torch import: fast)."""
    return subprocess.run(
        [sys.executable, "-m", "indexer", "index", "--once", "--quiet", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_clear_errors(anvil: Anvil, emitters: EmitterDeployment, tmp_path: Path):
    good_db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    unreachable = run_index(
        {**index_env(anvil, emitters.path, good_db), "STYLELEDGER_RPC_URL": "http://127.0.0.1:9"}
    )
    assert unreachable.returncode == 2 and "cannot reach the RPC" in unreachable.stderr

    missing = subprocess.run(  # once through the real `styleledger` entry point
        [str(STYLELEDGER), "index", "--once"],
        env=index_env(anvil, tmp_path / "nope.json", good_db),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "nope.json not found" in missing.stderr

    other_chain = tmp_path / "other.json"
    other_chain.write_text(json.dumps({**json.loads(emitters.path.read_text()), "chainId": 1}))
    wrong = run_index(index_env(anvil, other_chain, good_db))
    assert wrong.returncode == 2 and "is for chain 1" in wrong.stderr

    bad_url = run_index(index_env(anvil, emitters.path, "mysql://x/y"))
    assert bad_url.returncode == 2 and "STYLELEDGER_DATABASE_URL" in bad_url.stderr
    no_server = run_index(index_env(anvil, emitters.path, "postgresql://nobody@127.0.0.1:9/none"))
    assert no_server.returncode == 2 and "cannot open the database" in no_server.stderr

    anvil.mine(2)
    ok = run_index(index_env(anvil, emitters.path, good_db))
    assert ok.returncode == 0 and "indexed blocks" in ok.stdout, ok.stderr
    again = run_index(index_env(anvil, emitters.path, good_db))
    assert again.returncode == 0 and "up to date" in again.stdout, again.stderr
