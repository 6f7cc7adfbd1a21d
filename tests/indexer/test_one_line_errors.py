"""What an operator meets from outside is said in one line, not a traceback (issue 18, item 7):
a read-only database, an unsupported driver, a malformed URL given to `serve`, a settle beyond
the indexed head, two settles at once, a settle with nothing new (exit 0), a full disk while
rendering (the job given back, no half-written file left)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from indexer.chain.deployment import REPO_ROOT
from indexer.db.base import make_engine, make_session_factory
from indexer.db.locks import exclusive
from indexer.db.migrate import upgrade_database
from indexer.db.models.ledger import JobStatus, RenderJob
from indexer.render import jobs, worker
from tests.support.chain import Anvil, EmitterDeployment
from tests.support.ledger import add_project, add_token


def _styleledger(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT,
    )  # fmt: skip


def _one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr[-3000:])
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.chain
def test_a_read_only_database(anvil: Anvil, emitters: EmitterDeployment, tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    upgrade_database(f"sqlite:///{path}")
    env = {
        "STYLELEDGER_DATABASE_URL": f"sqlite:///file:{path}?mode=ro&uri=true",
        "STYLELEDGER_RPC_URL": anvil.url,
        "STYLELEDGER_DEPLOYMENT": str(emitters.path),
    }
    _one_line_error(_styleledger(env, "index", "--once", "--quiet"), "read-only")


@pytest.mark.parametrize("command", [("index", "--once"), ("settle", "--no-post"), ("serve",)])
def test_unsupported_and_malformed_database_urls(command: tuple[str, ...]) -> None:
    asyncpg = {"STYLELEDGER_DATABASE_URL": "postgresql+asyncpg://u:p@localhost/db"}
    _one_line_error(_styleledger(asyncpg, *command), "unsupported driver 'postgresql+asyncpg'")
    malformed = {"STYLELEDGER_DATABASE_URL": "not a url"}
    _one_line_error(_styleledger(malformed, *command), "STYLELEDGER_DATABASE_URL")


@pytest.fixture
def indexed_db(tmp_path: Path) -> dict[str, str]:
    """A database with a cursor at block 9 and one rendered-free token (nothing to settle)."""
    from indexer.db.models.chain import SyncCursor

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    upgrade_database(engine)
    with Session(engine) as s, s.begin():
        s.add(SyncCursor(chain_id=31337, deployment_key="k", deploy_block=1, next_block=10))
    engine.dispose()
    deployment = tmp_path / "31337.json"
    deployment.write_text(
        '{"chainId": 31337, "deployBlock": 1, "contracts": {'
        + ",".join(
            f'"{name}": {{"address": "0x{0x6100 + i:040x}", "abi": []}}'
            for i, name in enumerate(("StyleRegistry", "ArtCore", "PayoutDistributor"))
        )
        + "}}"
    )
    key = ",".join(f"0x{0x6100 + i:040x}" for i in range(3))
    engine = make_engine(url)
    with Session(engine) as s, s.begin():
        s.get(SyncCursor, 31337).deployment_key = key
    engine.dispose()
    return {"STYLELEDGER_DATABASE_URL": url, "STYLELEDGER_DEPLOYMENT": str(deployment)}


def test_settle_beyond_the_indexed_head(indexed_db: dict[str, str]) -> None:
    done = _styleledger(indexed_db, "settle", "--no-post", "--as-of-block", "50")
    _one_line_error(done, "beyond the indexed head 9")


def test_settle_with_nothing_new_is_not_an_error(indexed_db: dict[str, str]) -> None:
    done = _styleledger(indexed_db, "settle", "--no-post")
    assert done.returncode == 0, done.stderr
    assert "nothing to settle" in done.stdout and "error" not in done.stderr


def test_two_settles_at_once(indexed_db: dict[str, str]) -> None:
    engine = make_engine(indexed_db["STYLELEDGER_DATABASE_URL"])
    try:
        with exclusive(engine, "settle"):  # another settle is running
            done = _styleledger(indexed_db, "settle", "--no-post")
    finally:
        engine.dispose()
    _one_line_error(done, "another process holds the settle lock")


def test_a_full_disk_gives_the_job_back_and_leaves_no_half_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    with factory() as s, s.begin():
        add_project(s, 1, author="0x" + "a1" * 20, prompt="red", model_id="ab" * 32, price=10)
        token = add_token(s, 1, 0, block=5, price=10)

    def full_disk(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", dst)

    def renderer(inp, data_dir: Path, _paths):
        worker._write_atomic(data_dir / "images" / "x.png", b"\x89PNG" + b"0" * 1000)
        raise AssertionError("unreachable: the write fails")

    monkeypatch.setattr(worker.os, "replace", full_disk)
    data = tmp_path / "data"
    w = worker.Worker(factory, data, platform="0x" + "99" * 20, renderer=renderer)
    with pytest.raises(OSError, match="No space left"):
        w.run(once=True)
    with factory() as s:
        job = s.get(RenderJob, token)
        assert (job.status, job.tries, job.worker_id) == (JobStatus.QUEUED, 0, None)
        assert jobs.counts(s.connection()).failed == 0
    assert not list(data.rglob(".tmp-*"))  # nothing half-written is left behind
    engine.dispose()
