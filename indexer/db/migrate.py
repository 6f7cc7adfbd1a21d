"""Bring a database to the newest schema with Alembic (``styleledger db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from indexer.db.base import make_engine

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "migrations" / "alembic.ini"


def alembic_config() -> Config:
    return Config(str(ALEMBIC_INI))


def upgrade_database(target: str | Engine, revision: str = "heads") -> None:
    """Run every migration up to ``revision`` on a URL or an engine (idempotent)."""
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if isinstance(target, str):
            engine.dispose()


def is_up_to_date(engine: Engine) -> bool:
    """True when the database is at every head of the migration scripts."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == heads
