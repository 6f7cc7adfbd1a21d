"""``styleledger index`` and ``styleledger db upgrade``: the chain sync's commands."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from tqdm import tqdm

from indexer.chain import ChainError
from indexer.config import ConfigError, Settings, load_settings
from indexer.db.base import DatabaseURLError, make_engine, make_session_factory
from indexer.db.migrate import upgrade_database
from indexer.sync import Syncer, SyncProgress


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


def open_database(settings: Settings) -> Engine:
    """An engine on the settings' database, migrated to the newest schema; clear errors if not."""
    try:
        engine = make_engine(settings.database_url)
        upgrade_database(engine)
    except DatabaseURLError as exc:
        raise _fail(f"{exc} (STYLELEDGER_DATABASE_URL)") from exc
    except OperationalError as exc:
        raise _fail(
            f"cannot open the database {settings.database_url!r}: {exc.orig} "
            "(check STYLELEDGER_DATABASE_URL, that the server runs and the database exists)"
        ) from exc
    except SQLAlchemyError as exc:
        raise _fail(f"database error on {settings.database_url!r}: {exc}") from exc
    return engine


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        raise _fail(str(exc)) from exc


def index(
    once: Annotated[
        bool, typer.Option("--once", help="Catch up with the chain, then exit.")
    ] = False,
    until: Annotated[
        int | None, typer.Option(help="Stop after this block (implies --once).")
    ] = None,
    rpc_url: Annotated[str | None, typer.Option(help="JSON-RPC URL [STYLELEDGER_RPC_URL].")] = None,
    deployment: Annotated[
        Path | None, typer.Option(help="Deployment file [STYLELEDGER_DEPLOYMENT].")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Database URL [STYLELEDGER_DATABASE_URL].")
    ] = None,
    confirmations: Annotated[
        int | None, typer.Option(help="Blocks behind the head [STYLELEDGER_CONFIRMATIONS].")
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option(help="First getLogs range [STYLELEDGER_CHUNK_SIZE].")
    ] = None,
    max_chunk_size: Annotated[
        int | None, typer.Option(help="Largest getLogs range [STYLELEDGER_MAX_CHUNK_SIZE].")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Index the contracts' events into the database (follows the chain; --once to exit)."""
    settings = _settings(
        rpc_url=rpc_url,
        deployment=deployment,
        database_url=database_url,
        confirmations=confirmations,
        chunk_size=chunk_size,
        max_chunk_size=max_chunk_size,
    )
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from indexer.chain import open_chain

    try:
        w3, dep = open_chain(settings.rpc_url, settings.deployment, timeout=settings.rpc_timeout)
    except ChainError as exc:
        raise _fail(str(exc)) from exc
    engine = open_database(settings)
    bar = _ProgressBar(disabled=quiet)
    syncer = Syncer(
        w3,
        dep,
        make_session_factory(engine),
        confirmations=settings.confirmations,
        chunk_size=settings.chunk_size,
        max_chunk_size=settings.max_chunk_size,
        reorg_window=settings.reorg_window,
        on_progress=bar.update,
    )
    try:
        if once or until is not None:
            done = syncer.run_once(until)
            bar.close()
            if done.next_block == done.first_block and not done.reorgs:
                typer.echo(
                    f"up to date: chain {dep.chain_id} indexed to block {done.next_block - 1}"
                )
            else:
                typer.echo(
                    f"indexed blocks {done.first_block}..{done.next_block - 1} of chain "
                    f"{dep.chain_id}: {done.logs} logs, {done.chunks} chunks, {done.reorgs} reorgs"
                )
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            syncer.follow(settings.poll_interval, stop)
        except KeyboardInterrupt:
            stop.set()
        bar.close()
    except ChainError as exc:
        bar.close()
        raise _fail(str(exc)) from exc
    finally:
        engine.dispose()


class _ProgressBar:
    """A tqdm bar over blocks, re-sized as the head moves."""

    def __init__(self, *, disabled: bool) -> None:
        self.disabled = disabled
        self.bar: tqdm | None = None

    def update(self, p: SyncProgress) -> None:
        if self.disabled:
            return
        total = max(p.target_block - p.first_block + 1, 0)
        if self.bar is None:
            self.bar = tqdm(total=total, unit="block", desc="index", dynamic_ncols=True)
        self.bar.total = total
        self.bar.n = min(max(p.next_block - p.first_block, 0), total)
        self.bar.set_postfix(logs=p.logs, chunk=p.chunk_size, reorgs=p.reorgs, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    database_url: Annotated[
        str | None, typer.Option(help="Database URL [STYLELEDGER_DATABASE_URL].")
    ] = None,
) -> None:
    """Create or migrate the database to the newest schema (idempotent)."""
    settings = _settings(database_url=database_url)
    open_database(settings).dispose()
    typer.echo(f"database at the newest schema: {settings.database_url}")


def register(app: typer.Typer) -> None:
    """Add ``index`` and ``db`` to the ``styleledger`` application."""
    app.command("index")(index)
    app.add_typer(db_app, name="db")


def main() -> None:
    """``python -m indexer.sync_cli index ...``: the sync's commands without the generator's
    imports (torch), for scripts and tests that start the indexer many times."""
    app = typer.Typer(no_args_is_help=True, add_completion=False)
    register(app)
    app()


if __name__ == "__main__":
    main()
