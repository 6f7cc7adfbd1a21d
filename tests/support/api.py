"""A TestClient over the service, on a seeded database."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from indexer.api.main import create_app
from indexer.devchain.sample import SeededDb
from indexer.settings import load_settings


def make_client(db: SeededDb, deployment: Path | None = None, **api: object) -> TestClient:
    # An RPC port nobody listens on: /health must say "degraded", not fail.
    settings = load_settings(
        database_url=db.url,
        data_dir=db.data_dir,
        rpc_url="http://127.0.0.1:9",
        deployment=deployment,
        **{f"api_{name}": value for name, value in api.items()},
    )
    return TestClient(create_app(settings))
