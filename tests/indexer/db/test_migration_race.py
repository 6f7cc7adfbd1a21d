"""Processes that start together on a fresh database take turns migrating it. Before, two
``db upgrade`` (or ``index`` beside ``render-worker``) on a fresh database made one exit 2 (3 of 3
on PostgreSQL): both saw no schema and both created it."""

from __future__ import annotations

import os
import subprocess
import sys

from indexer.chain.deployment import REPO_ROOT
from indexer.db.base import make_engine
from indexer.db.migrate import is_up_to_date

RACERS = 3


def test_concurrent_upgrades_of_a_fresh_database(db_url: str) -> None:
    env = {**os.environ, "STYLELEDGER_DATABASE_URL": db_url}
    command = [sys.executable, "-m", "indexer", "db", "upgrade"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    racers = [subprocess.Popen(command, env=env, cwd=REPO_ROOT, **pipes) for _ in range(RACERS)]
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in racers]
    assert [code for code, _ in outcomes] == [0] * RACERS, outcomes
    engine = make_engine(db_url)
    try:
        assert is_up_to_date(engine)
    finally:
        engine.dispose()
