"""Two render worker processes on one queue never render the same token twice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from indexer.chain.deployment import REPO_ROOT
from indexer.db.base import make_session_factory
from indexer.db.models.chain import Token
from indexer.db.models.ledger import LedgerEntry, Render, RenderJob
from tests.support.ledger import add_project, add_style, add_token

CHILD = "tests.support.render_worker_child"  # run with -m from the repository root
TOKENS = 40


def test_two_worker_processes_share_the_queue_without_overlap(
    db_url: str, db_engine: Engine, tmp_path: Path
) -> None:
    factory = make_session_factory(db_engine)
    with factory() as s, s.begin():
        add_style(s, 1, ["stripes"], "0x" + "b2" * 20, block=1)
        add_project(
            s,
            1,
            author="0x" + "a1" * 20,
            prompt="red stripes",
            model_id="0x" + "11" * 32,
            price=10**18 + 1,
        )
        tokens = [add_token(s, 1, i, block=10 + i, price=10**18 + 1) for i in range(TOKENS)]
    logs = [tmp_path / f"worker{n}.log" for n in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", CHILD, db_url, str(log)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO_ROOT,
        )
        for log in logs
    ]
    outputs = [json.loads(p.communicate(timeout=300)[0].strip().splitlines()[-1]) for p in procs]
    assert [p.returncode for p in procs] == [0, 0]

    attempts = [[int(line) for line in log.read_text().split()] for log in logs]
    # every render call, in either process, was for a different token: none rendered twice
    all_attempts = attempts[0] + attempts[1]
    assert sorted(all_attempts) == tokens
    assert all(attempts), f"one worker did all the work: {[len(a) for a in attempts]}"
    assert sorted(outputs[0]["rendered"] + outputs[1]["rendered"]) == tokens

    with factory() as s:
        assert {j.status for j in s.scalars(select(RenderJob))} == {"done"}
        renders = {r.token_id: r.worker_id for r in s.scalars(select(Render))}
        assert sorted(renders) == tokens
        assert set(renders.values()) == {outputs[0]["worker"], outputs[1]["worker"]}
        for token in s.scalars(select(Token)):
            creators = [
                e.amount
                for e in s.scalars(select(LedgerEntry).filter_by(token_id=token.token_id))
                if e.role != "platform"
            ]
            assert sum(creators) == token.creator_pool
