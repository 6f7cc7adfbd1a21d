"""Fixtures of the service tests: a seeded database and a TestClient over the app."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_seed import SeededDb, seed_database

from indexer.api.config import ApiSettings
from indexer.api.main import create_app
from indexer.config import load_settings


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> SeededDb:
    root = tmp_path_factory.mktemp("service-db")
    return seed_database(f"sqlite:///{root / 'db.sqlite'}", root / "data")


def make_client(db: SeededDb, **api: object) -> TestClient:
    # An RPC port nobody listens on: /health must say "degraded", not fail.
    settings = load_settings(
        database_url=db.url, data_dir=db.data_dir, rpc_url="http://127.0.0.1:9", deployment=None
    )
    return TestClient(create_app(settings, ApiSettings(**api)))


@pytest.fixture(scope="session")
def client(seeded: SeededDb) -> Iterator[TestClient]:
    with make_client(seeded) as test_client:
        yield test_client


@pytest.fixture
def seeded_data_dir(seeded: SeededDb) -> Path:
    return seeded.data_dir


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """Debian's PostgreSQL in a temp dir (tests/indexer/chainkit.py); skip, or fail under CI."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "indexer"))
    from chainkit import PostgresServer, postgres_bindir

    if postgres_bindir() is None:
        reason = "PostgreSQL binaries not found (apt-get install -y postgresql)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: required)")
        pytest.skip(reason)
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def service_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on SQLite and on PostgreSQL, for tests the indexer fills."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'styleledger.sqlite'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = server.new_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)
