"""Fixtures of the service tests: a seeded database and a TestClient over the app."""

from __future__ import annotations

import importlib.util
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


def make_client(db: SeededDb, deployment: Path | None = None, **api: object) -> TestClient:
    # An RPC port nobody listens on: /health must say "degraded", not fail.
    settings = load_settings(
        database_url=db.url,
        data_dir=db.data_dir,
        rpc_url="http://127.0.0.1:9",
        deployment=deployment,
    )
    return TestClient(create_app(settings, ApiSettings(**api)))


@pytest.fixture(scope="session")
def client(seeded: SeededDb) -> Iterator[TestClient]:
    with make_client(seeded) as test_client:
        yield test_client


@pytest.fixture
def seeded_data_dir(seeded: SeededDb) -> Path:
    return seeded.data_dir


def _indexer_fixtures() -> object:
    """The indexer suite's conftest, loaded by path (its folder is not a package)."""
    path = Path(__file__).resolve().parents[1] / "indexer" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_indexer_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The same database fixtures as the indexer's tests: ``db_url`` is SQLite and PostgreSQL
# (Debian's server in a temp dir; skipped without it, failing under CI=true).
_indexer = _indexer_fixtures()
postgres_server = _indexer.postgres_server
db_url = _indexer.db_url
