"""``styleledger render-worker``, ``settle`` and ``verify``: the ledger side's commands."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from tqdm import tqdm

from indexer.chain import ChainError, Deployment, default_deployment_path, load_deployment
from indexer.config import Settings
from indexer.db.base import make_session_factory
from indexer.sync_cli import _fail, _settings, open_database

SETTLER_KEY_ENV = "STYLELEDGER_SETTLER_KEY"

DatabaseOpt = Annotated[str | None, typer.Option(help="Database URL [STYLELEDGER_DATABASE_URL].")]
DeploymentOpt = Annotated[
    Path | None, typer.Option(help="Deployment file [STYLELEDGER_DEPLOYMENT].")
]
DataDirOpt = Annotated[
    Path | None, typer.Option(help="Where PNGs and heat maps live [STYLELEDGER_DATA_DIR].")
]


def _deployment(settings: Settings, session_factory) -> Deployment:
    """The deployment file: the setting, else deployments/<chainId of the indexed chain>.json."""
    from indexer.db.models import SyncCursor

    path = settings.deployment
    if path is None:
        with session_factory() as session:
            chain_id = session.scalar(select(SyncCursor.chain_id).limit(1))
        if chain_id is None:
            raise _fail("the chain has not been indexed yet: run `styleledger index` first")
        path = default_deployment_path(int(chain_id))
    try:
        return load_deployment(path)
    except ChainError as exc:
        raise _fail(str(exc)) from exc


def _model_paths(settings: Settings) -> list[Path] | None:
    if not settings.models:
        return None
    from generator.models import DEFAULT_MODEL_DIR

    return [Path(p) for p in settings.models.split(os.pathsep) if p] + [DEFAULT_MODEL_DIR]


def render_worker(
    once: Annotated[bool, typer.Option("--once", help="Render what is queued, then exit.")] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Queue failed jobs again first.")
    ] = False,
    max_tries: Annotated[int, typer.Option(help="Tries before a job is marked failed.")] = 3,
    lease: Annotated[int, typer.Option(help="Seconds a claimed job stays ours.")] = 900,
    database_url: DatabaseOpt = None,
    deployment: DeploymentOpt = None,
    data_dir: DataDirOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Render and attribute every minted token; write its ledger entries (several may run)."""
    from indexer import jobs
    from indexer.render_worker import Worker

    settings = _settings(database_url=database_url, deployment=deployment, data_dir=data_dir)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    engine = open_database(settings)
    factory = make_session_factory(engine)
    dep = _deployment(settings, factory)
    worker = Worker(
        factory,
        settings.data_dir,
        platform=dep.platform or "",
        model_paths=_model_paths(settings),
        lease_s=lease,
        max_tries=max_tries,
    )
    if retry_failed:
        with factory() as session, session.begin():
            n = jobs.retry_failed(session.connection())
        typer.echo(f"queued {n} failed jobs again")
    worker.enqueue_missing()
    bar = None if quiet else tqdm(unit="token", desc="render", dynamic_ncols=True)

    def progress(_token_id: int, counts: jobs.QueueCounts) -> None:
        if bar is not None:
            bar.total = counts.total
            bar.n = counts.done + counts.failed
            bar.set_postfix(queued=counts.queued, failed=counts.failed, refresh=False)
            bar.refresh()

    try:
        worker.run(once=once, on_progress=progress)
    except KeyboardInterrupt:
        pass
    finally:
        if bar is not None:
            bar.close()
        engine.dispose()
    typer.echo(f"rendered {len(worker.rendered)} tokens as {worker.worker_id}")
    for token_id, reason in worker.failed:
        typer.secho(f"failed: token {token_id}: {reason}", fg=typer.colors.RED, err=True)
    if worker.failed:
        raise typer.Exit(code=1)


def settle(
    as_of_block: Annotated[
        int | None, typer.Option(help="Settle mints up to this block (default: indexed head).")
    ] = None,
    uri: Annotated[str, typer.Option(help="Where the published tree can be found.")] = "",
    no_post: Annotated[
        bool, typer.Option("--no-post", help="Build and store the epoch only.")
    ] = False,
    rpc_url: Annotated[str | None, typer.Option(help="JSON-RPC URL [STYLELEDGER_RPC_URL].")] = None,
    database_url: DatabaseOpt = None,
    deployment: DeploymentOpt = None,
) -> None:
    """Close an epoch: cumulative entitlements, Merkle tree and proofs, root posted on-chain.

    The settler key comes from STYLELEDGER_SETTLER_KEY. Crash-safe: run it again to resume.
    """
    from indexer import settle as st

    settings = _settings(rpc_url=rpc_url, database_url=database_url, deployment=deployment)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    engine = open_database(settings)
    factory = make_session_factory(engine)
    poster = None
    try:
        if no_post:
            dep = _deployment(settings, factory)
        else:
            from indexer.chain import open_chain

            key = os.environ.get(SETTLER_KEY_ENV)
            if not key:
                raise _fail(f"set {SETTLER_KEY_ENV} to the settler's private key (or --no-post)")
            try:
                w3, dep = open_chain(
                    settings.rpc_url, settings.deployment, timeout=settings.rpc_timeout
                )
                dist = dep.contracts["PayoutDistributor"]
                poster = st.RootPoster(w3, dist.address, dist.abi, key)
            except ChainError as exc:
                raise _fail(str(exc)) from exc
            except ValueError as exc:
                raise _fail(f"{SETTLER_KEY_ENV} is not a private key: {exc}") from exc
        with factory() as session:
            summary = st.settle(
                session,
                poster=poster,
                platform=dep.platform or "",
                default_bps=dep.platform_bps,
                as_of_block=as_of_block,
                uri=uri,
            )
            left = st.unsettled_summary(session, summary.as_of_block)
    except st.SettlementError as exc:
        raise _fail(str(exc)) from exc
    finally:
        engine.dispose()
    verb = "resumed" if summary.resumed else "built"
    typer.echo(
        f"epoch {summary.number} {verb}: root {summary.root}, total {summary.total} wei, "
        f"{summary.leaf_count} accounts, up to block {summary.as_of_block}; status {summary.status}"
        + (f" (tx {summary.tx_hash})" if summary.tx_hash else "")
    )
    if left["tokens_not_rendered"] or left["entries_waiting"]:
        typer.echo(
            f"not in this epoch: {left['tokens_not_rendered']} tokens not rendered yet, "
            f"{left['entries_waiting']} ledger entries waiting (held or newer)"
        )


def verify(
    token_id: Annotated[
        int | None, typer.Argument(help="The token to re-render and check.")
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option("--record", help="Instead: a record.json written by `render`."),
    ] = None,
    image: Annotated[
        Path | None, typer.Option("--image", help="With --record: the recorded image.")
    ] = None,
    model_dir: Annotated[
        Path | None, typer.Option("--model-dir", help="With --record: the model folder.")
    ] = None,
    rpc_url: Annotated[
        str | None, typer.Option(help="Check the token hash on-chain too [STYLELEDGER_RPC_URL].")
    ] = None,
    database_url: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Re-render a token from chain data; compare pixel hash and shares with the stored record.

    With --record instead of TOKEN_ID: re-render a record.json written by `styleledger render`.
    """
    if record is not None:
        from generator.cli import verify_command

        verify_command(record=record, image=image, model_dir=model_dir)
        return
    if token_id is None:
        raise _fail("give a TOKEN_ID (or --record record.json)")
    from indexer.verify import VerifyError, chain_token_hash, verify_token

    settings = _settings(rpc_url=rpc_url, database_url=database_url, data_dir=data_dir)
    engine = open_database(settings)
    factory = make_session_factory(engine)
    chain_hash = None
    try:
        if rpc_url is not None:
            from indexer.chain import open_chain

            try:
                w3, dep = open_chain(
                    settings.rpc_url, settings.deployment, timeout=settings.rpc_timeout
                )
            except ChainError as exc:
                raise _fail(str(exc)) from exc
            core = dep.contracts["ArtCore"]
            chain_hash = chain_token_hash(w3, core.address, core.abi, token_id)
        with factory() as session:
            result = verify_token(
                session,
                token_id,
                data_dir=settings.data_dir,
                model_paths=_model_paths(settings),
                chain_hash=chain_hash,
            )
    except VerifyError as exc:
        raise _fail(str(exc)) from exc
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        typer.echo(
            f"token {token_id}: pixels {result.verdict} ({result.actual_pixel_hash}), "
            f"shares {'match' if result.shares_match else 'DIFFER'}"
        )
        if not result.shares_match:
            typer.echo(f"  stored {result.stored_ppm}\n  actual {result.actual_ppm}")
    if not result.ok:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add ``render-worker``, ``settle`` and ``verify`` to the ``styleledger`` application."""
    app.command("render-worker")(render_worker)
    app.command("settle")(settle)
    app.command("verify")(verify)
