"""Bring a database to the newest schema with Alembic (``styleledger db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from indexer.db.base import make_engine
from indexer.db.locks import exclusive
from indexer.errors import DatabaseError, DatabaseURLError

ALEMBIC_INI = Path(__file__).resolve().parent / "migrations" / "alembic.ini"


def alembic_config() -> Config:
    return Config(str(ALEMBIC_INI))


def upgrade_database(target: str | Engine, revision: str = "heads") -> None:
    """Run every migration up to ``revision`` on a URL or an engine (idempotent).

    Processes that start together on a fresh database (``index`` and ``render-worker``, two
    ``db upgrade``) take turns: PostgreSQL holds an advisory lock during the migration, SQLite
    an exclusive lock on a file beside the database (``indexer.db.locks``). The second finds the
    schema at the newest revision and does nothing.
    """
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with exclusive(engine, "migrate"), engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if isinstance(target, str):
            engine.dispose()


def open_database(url: str) -> Engine:
    """An engine on ``url``, migrated to the newest schema; DatabaseError saying what to check."""
    try:
        engine = make_engine(url)
    except DatabaseURLError as exc:
        raise DatabaseURLError(f"{exc} (STYLELEDGER_DATABASE_URL)") from exc
    try:
        upgrade_database(engine)
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseError(
            f"cannot open the database {url!r}: {exc.orig} "
            "(check STYLELEDGER_DATABASE_URL, that the server runs and the database exists)"
        ) from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(f"database error on {url!r}: {exc}") from exc
    return engine


def is_up_to_date(engine: Engine) -> bool:
    """True when the database is at every head of the migration scripts."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == heads
