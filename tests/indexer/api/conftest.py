"""Fixtures of the service tests: a seeded database and a TestClient over the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.devchain.sample import SeededDb, seed_database
from tests.support.api import make_client


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> SeededDb:
    root = tmp_path_factory.mktemp("service-db")
    return seed_database(f"sqlite:///{root / 'db.sqlite'}", root / "data")


@pytest.fixture(scope="session")
def client(seeded: SeededDb) -> Iterator[TestClient]:
    with make_client(seeded) as test_client:
        yield test_client


@pytest.fixture
def seeded_data_dir(seeded: SeededDb) -> Path:
    return seeded.data_dir
