"""`styleledger render-worker` stopped with SIGTERM gives its job back at once. Before, SIGTERM
(systemd, docker stop) killed it with the job leased for 15 minutes; only SIGINT released it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.orm import Session

from generator.models import DEFAULT_MODEL_DIR, model_id
from indexer.chain.deployment import REPO_ROOT
from indexer.db.base import make_engine
from indexer.db.migrate import upgrade_database
from indexer.db.models.ledger import JobStatus, RenderJob
from tests.support.ledger import add_project, add_token


def _deployment(folder: Path) -> Path:
    """A deployment file with inline (empty) ABIs: the worker only needs its platform role."""
    contracts = {
        name: {"address": f"0x{0x6100 + i:040x}", "abi": []}
        for i, name in enumerate(("StyleRegistry", "ArtCore", "PayoutDistributor"))
    }
    path = folder / "31337.json"
    path.write_text(json.dumps({"chainId": 31337, "deployBlock": 0, "contracts": contracts}))
    return path


def _job(engine, token_id: int) -> RenderJob | None:
    with Session(engine) as s:
        return s.get(RenderJob, token_id)


def test_sigterm_releases_the_claimed_job(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    upgrade_database(engine)
    with Session(engine) as s, s.begin():
        # a render long enough to be interrupted: 400 steps of the shipped model
        add_project(s, 1, author="0x" + "a1" * 20, prompt="red stripes circle on blue dots background",
                    model_id=model_id(DEFAULT_MODEL_DIR), price=10**16, size=128, steps=400)  # fmt: skip
        token = add_token(s, 1, 0, block=5, price=10**16)
    worker = subprocess.Popen(
        [sys.executable, "-m", "indexer", "render-worker", "--quiet", "--database-url", url,
         "--deployment", str(_deployment(tmp_path)), "--data-dir", str(tmp_path / "data")],
        cwd=REPO_ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while (job := _job(engine, token)) is None or job.status != JobStatus.RUNNING:
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker never claimed the job"
            time.sleep(0.2)
        time.sleep(1.0)  # inside the render
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    job = _job(engine, token)
    assert job is not None
    assert (job.status, job.worker_id, job.lease_until) == (JobStatus.QUEUED, None, None)
    assert job.tries == 0  # an interrupted render is not a failed one
    engine.dispose()
