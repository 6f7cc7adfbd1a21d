"""``styleledger index`` and ``styleledger db upgrade``: the chain sync's commands."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from indexer import console
from indexer.db.base import make_session_factory
from indexer.errors import ChainError
from indexer.sync.projections import RollbackHook
from indexer.sync.scanner import Syncer, SyncProgress


def index(
    ctx: typer.Context,
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
    settings = console.settings(
        rpc_url=rpc_url,
        deployment=deployment,
        database_url=database_url,
        confirmations=confirmations,
        chunk_size=chunk_size,
        max_chunk_size=max_chunk_size,
    )
    console.quiet_logging()
    from indexer.chain.connection import open_chain

    try:
        w3, dep = open_chain(settings.rpc_url, settings.deployment, timeout=settings.rpc_timeout)
    except ChainError as exc:
        raise console.fail(exc) from exc
    engine = console.database(settings)
    bar = _ProgressBar(disabled=quiet)
    syncer = Syncer(
        w3,
        dep,
        make_session_factory(engine),
        confirmations=settings.confirmations,
        chunk_size=settings.chunk_size,
        max_chunk_size=settings.max_chunk_size,
        reorg_window=settings.reorg_window,
        rollback_hooks=ctx.obj.rollback_hooks if ctx.obj else (),
        on_progress=bar.update,
    )
    try:
        with console.one_line_errors(settings):
            if once or until is not None:
                _catch_up(syncer, dep.chain_id, bar, until)
            else:
                _follow(syncer, settings.poll_interval)
    finally:
        bar.close()
        engine.dispose()


def _catch_up(syncer: Syncer, chain_id: int, bar: _ProgressBar, until: int | None) -> None:
    done = syncer.run_once(until)
    bar.close()
    if done.next_block == done.first_block and not done.reorgs:
        typer.echo(f"up to date: chain {chain_id} indexed to block {done.next_block - 1}")
        return
    typer.echo(
        f"indexed blocks {done.first_block}..{done.next_block - 1} of chain {chain_id}: "
        f"{done.logs} logs, {done.chunks} chunks, {done.reorgs} reorgs"
    )


def _follow(syncer: Syncer, poll_interval: float) -> None:
    """Follow the chain until SIGTERM or Ctrl-C (the chunk being written is finished first)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        syncer.follow(poll_interval, stop)
    except KeyboardInterrupt:
        stop.set()


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
    settings = console.settings(database_url=database_url)
    console.database(settings).dispose()
    typer.echo(f"database at the newest schema: {settings.database_url}")


def register(app: typer.Typer) -> None:
    """Add ``index`` and ``db`` to the ``styleledger`` application. ``index`` runs the rollback
    hooks of ``ctx.obj.rollback_hooks`` (the application sets the ledger's there)."""
    app.command("index")(index)
    app.add_typer(db_app, name="db")


class SyncHooks:
    """What the application hands the sync's commands (``typer.Context.obj``)."""

    def __init__(self, rollback_hooks: tuple[RollbackHook, ...] = ()) -> None:
        self.rollback_hooks = rollback_hooks
