"""The pytest fixtures every Python suite may use (a pytest plugin: tests/conftest.py loads it).

Chains and databases
- ``anvil``: a fresh anvil (the real binary) on a free port, stopped after the test;
  ``.url``, ``.w3``, ``.accounts`` (10 funded, unlocked), ``.rpc(method, *params)``, ``.mine(n)``.
- ``emitters``: three LogEmitters standing in for StyleRegistry / ArtCore / PayoutDistributor
  on ``anvil`` (real ABIs from build/contracts) and their deployment file: emit any event with
  ``emitters.core.emit("Mint", to=..., tokenId=..., ...)``. Fast; no brownie.
- ``deployed``: the real contracts deployed by scripts/deploy.py (brownie, .venv-brownie) on
  ``anvil``.
- ``postgres_server``: Debian's PostgreSQL started in a temp dir for the whole session, stopped
  at the end. Without the binaries: skip with the reason, but FAIL when CI=true.
- ``db_url``: parametrised over ``sqlite`` (a file in tmp_path) and ``postgresql`` (a new
  database on the session's server); ``db_engine``: an engine on it, migrated with Alembic.
Models
- ``tiny_sd`` / ``tiny_sd_id``: a tiny random SD-layout model folder and its model id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from indexer.db.base import make_engine
from indexer.db.migrate import upgrade_database
from tests.support.chain import (
    DEPLOY_SCRIPT,
    Anvil,
    EmitterDeployment,
    deploy_contracts,
    emitter_deployment,
    start_anvil,
)
from tests.support.merkle import Reference, reference_missing
from tests.support.postgres import PostgresServer, postgres_bindir
from tests.support.sd_factory import build_tiny_sd
from tests.support.skip import skip_or_fail


@pytest.fixture
def anvil() -> Iterator[Anvil]:
    node = start_anvil()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture
def emitters(anvil: Anvil, tmp_path: Path) -> EmitterDeployment:
    return emitter_deployment(anvil, tmp_path)


@pytest.fixture
def deployed(anvil: Anvil, tmp_path: Path) -> Path:
    """The deployment file of the real contracts on ``anvil``."""
    if not DEPLOY_SCRIPT.is_file():
        skip_or_fail(f"{DEPLOY_SCRIPT} not there yet")
    return deploy_contracts(anvil, tmp_path)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if postgres_bindir() is None:
        skip_or_fail("PostgreSQL binaries not found (apt-get install -y postgresql)")
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'styleledger.sqlite'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.new_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade_database(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def tiny_sd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_sd(tmp_path_factory.mktemp("models") / "tiny-sd")


@pytest.fixture(scope="session")
def tiny_sd_id(tiny_sd: Path) -> str:
    from generator.models import model_id

    return model_id(tiny_sd)


@pytest.fixture(scope="session")
def merkle_reference() -> Iterator[Reference]:
    """@openzeppelin/merkle-tree (npm) behind a pipe, for the whole session."""
    reason = reference_missing()
    if reason:
        skip_or_fail(reason)
    ref = Reference()
    yield ref
    ref.close()
