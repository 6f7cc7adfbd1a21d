"""What every command shares: the error exit, settings with flag overrides, the database, the
deployment. A command says a failure as ``error: <message>`` on stderr and exits 2; the message
is the :class:`~indexer.errors.StyleLedgerError`'s, which says what to do."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from indexer.chain.deployment import Deployment, default_deployment_path, load_deployment
from indexer.errors import StyleLedgerError
from indexer.settings import Settings, load_settings

USAGE_EXIT = 2


def fail(message: str | BaseException) -> typer.Exit:
    """Print ``error: message`` in red on stderr; the Exit (code 2) for the caller to raise."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=USAGE_EXIT)


def settings(**overrides: object) -> Settings:
    """The environment's settings with the flags given (``None`` = not given) on top."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except StyleLedgerError as exc:
        raise fail(exc) from exc


def quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def database(settings: Settings) -> Engine:
    """An engine on the settings' database, migrated to the newest schema."""
    from indexer.db.migrate import open_database

    try:
        return open_database(settings.database_url)
    except StyleLedgerError as exc:
        raise fail(exc) from exc


def indexed_deployment(settings: Settings, factory: sessionmaker[Session]) -> Deployment:
    """The deployment file: the setting, else deployments/<chainId of the indexed chain>.json."""
    from indexer.db.models.chain import SyncCursor

    path: Path | None = settings.deployment
    if path is None:
        with factory() as session:
            chain_id = session.scalar(select(SyncCursor.chain_id).limit(1))
        if chain_id is None:
            raise fail("the chain has not been indexed yet: run `styleledger index` first")
        path = default_deployment_path(int(chain_id))
    try:
        return load_deployment(path)
    except StyleLedgerError as exc:
        raise fail(exc) from exc
