"""/health says what a load balancer and an operator need: 503 when the database is down, and
the tokens waiting to be rendered (queued by a worker or not yet)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from indexer.api.main import create_app
from indexer.db.base import make_engine
from indexer.db.migrate import upgrade_database
from indexer.settings import load_settings
from tests.support.ledger import add_project, add_token

NO_CHAIN = "http://127.0.0.1:9"


def test_a_database_that_is_down_answers_503(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-file.sqlite"
    folder.mkdir()  # sqlite cannot open a directory: every query fails
    settings = load_settings(database_url=f"sqlite:///{folder}", rpc_url=NO_CHAIN)
    with TestClient(create_app(settings)) as client:
        answer = client.get("/health")
    assert answer.status_code == 503
    assert answer.json()["database"] == "error" and answer.json()["status"] == "degraded"


def test_minted_tokens_wait_before_any_worker_queued_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    upgrade_database(engine)
    with Session(engine) as s, s.begin():
        add_project(s, 1, author="0x" + "a1" * 20, prompt="red", model_id="ab" * 32, price=1)
        for invocation in range(3):
            add_token(s, 1, invocation, block=5 + invocation, price=1)
    engine.dispose()
    with TestClient(create_app(load_settings(database_url=url, rpc_url=NO_CHAIN))) as client:
        answer = client.get("/health")
    assert answer.status_code == 200  # the chain is down, the service still answers
    assert answer.json()["render_queue_depth"] == 3
