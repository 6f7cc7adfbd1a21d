"""What every command shares: the error exit, settings with flag overrides, the database, the
deployment. A command says a failure as ``error: <message>`` on stderr and exits 2; the message
is the :class:`~indexer.errors.StyleLedgerError`'s, which says what to do."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from indexer.chain.deployment import Deployment, default_deployment_path, load_deployment
from indexer.errors import DeploymentMismatchError, StyleLedgerError
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


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (systemd, docker stop, kill) ends the command as Ctrl-C does, so its ``finally``
    blocks run: a render worker gives its job back, the demo stops what it started."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def one_line_errors(settings: Settings) -> Iterator[None]:
    """What a command meets from outside (the database, the disk, the node) said in one line,
    with what to check, instead of a traceback: a read-only database, a full disk, a server that
    went away. StyleLedger's own errors say themselves."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    try:
        yield
    except StyleLedgerError as exc:
        raise fail(exc) from exc
    except OperationalError as exc:
        text = str(exc.orig)
        hint = "check STYLELEDGER_DATABASE_URL and that the server runs"
        if "readonly" in text or "read-only" in text:
            hint = "the database is read-only: give this process write access to it"
        elif "full" in text or "No space" in text:
            hint = "the disk is full: free space, then run the command again (nothing was lost)"
        raise fail(f"database error on {settings.database_url!r}: {text.strip()} ({hint})") from exc
    except SQLAlchemyError as exc:
        raise fail(f"database error on {settings.database_url!r}: {exc}") from exc
    except OSError as exc:
        raise fail(
            f"{exc.strerror or exc} ({exc.filename or 'I/O'}): nothing half-written was kept"
        ) from exc


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
    """The deployment file (the setting, else deployments/<chainId of the indexed chain>.json),
    refused unless it is the deployment the database follows."""
    path: Path | None = settings.deployment
    if path is None:
        cursor = _cursor(factory)
        if cursor is None:
            raise fail("the chain has not been indexed yet: run `styleledger index` first")
        path = default_deployment_path(cursor[0])
    try:
        deployment = load_deployment(path)
    except StyleLedgerError as exc:
        raise fail(exc) from exc
    check_deployment(factory, deployment)
    return deployment


def check_deployment(factory: sessionmaker[Session], deployment: Deployment) -> None:
    """Exit unless the database follows ``deployment`` (or has followed nothing yet): a root
    built from this database must never be posted to, nor paid from, another deployment."""
    cursor = _cursor(factory)
    if cursor is None:
        return
    chain_id, key = cursor
    if (chain_id, key) != (deployment.chain_id, deployment.key):
        raise fail(
            DeploymentMismatchError(
                f"the database follows deployment {key} on chain {chain_id}, not "
                f"{deployment.key} on chain {deployment.chain_id} ({deployment.path}): point "
                "STYLELEDGER_DEPLOYMENT (or --deployment) at the deployment this database indexes"
            )
        )


def check_served_deployment(settings: Settings) -> None:
    """``serve``'s check: the deployment file it would publish (the setting, else the indexed
    chain's deployments/<chainId>.json when there is one) is the one the database follows. A
    database not created yet follows nothing."""
    from sqlalchemy.exc import SQLAlchemyError

    from indexer.db.base import make_engine, make_session_factory

    try:
        engine = make_engine(settings.database_url)
    except StyleLedgerError as exc:
        raise fail(exc) from exc
    try:
        factory = make_session_factory(engine)
        try:
            cursor = _cursor(factory)
        except SQLAlchemyError:  # no tables yet: `index` creates them
            return
        path = settings.deployment
        if path is None and cursor is not None:
            path = default_deployment_path(cursor[0])
        if path is None or (settings.deployment is None and not Path(path).is_file()):
            return
        try:
            deployment = load_deployment(path)
        except StyleLedgerError as exc:
            raise fail(exc) from exc
        check_deployment(factory, deployment)
    finally:
        engine.dispose()


def _cursor(factory: sessionmaker[Session]) -> tuple[int, str] | None:
    """(chain id, deployment key) the database follows, if it follows one."""
    from indexer.db.models.chain import SyncCursor

    with factory() as session:
        row = session.execute(
            select(SyncCursor.chain_id, SyncCursor.deployment_key).limit(1)
        ).first()
    return None if row is None else (int(row[0]), str(row[1]))
