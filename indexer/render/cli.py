"""``styleledger render-worker`` and ``styleledger verify``: the render side's commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from indexer import console
from indexer.db.base import make_session_factory
from indexer.errors import ChainError, StyleLedgerError

DatabaseOpt = Annotated[str | None, typer.Option(help="Database URL [STYLELEDGER_DATABASE_URL].")]
DeploymentOpt = Annotated[
    Path | None, typer.Option(help="Deployment file [STYLELEDGER_DEPLOYMENT].")
]
DataDirOpt = Annotated[
    Path | None, typer.Option(help="Where PNGs and heat maps live [STYLELEDGER_DATA_DIR].")
]


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
    from indexer.render import jobs
    from indexer.render.worker import Worker

    settings = console.settings(database_url=database_url, deployment=deployment, data_dir=data_dir)
    console.quiet_logging()
    engine = console.database(settings)
    factory = make_session_factory(engine)
    dep = console.indexed_deployment(settings, factory)
    worker = Worker(
        factory,
        settings.data_dir,
        platform=dep.platform or "",
        model_paths=settings.model_paths,
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
        with console.one_line_errors(settings), console.sigterm_as_interrupt():
            worker.run(once=once, on_progress=progress)  # SIGTERM gives the claimed job back
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


VERIFY_EXITS = {"identical": 0, "within_tolerance": 3, "different": 1}


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

    With --record instead of TOKEN_ID: re-render a record.json written by `styleledger render`
    (exit 0 identical, 3 within tolerance, 1 different).
    """
    if record is not None:
        _verify_record(record, image, model_dir)
        return
    if token_id is None:
        raise console.fail("give a TOKEN_ID (or --record record.json)")
    from indexer.render.verify import chain_token_hash, verify_token

    settings = console.settings(rpc_url=rpc_url, database_url=database_url, data_dir=data_dir)
    engine = console.database(settings)
    factory = make_session_factory(engine)
    chain_hash = None
    try:
        if rpc_url is not None:
            from indexer.chain.connection import open_chain

            try:
                w3, dep = open_chain(
                    settings.rpc_url, settings.deployment, timeout=settings.rpc_timeout
                )
            except ChainError as exc:
                raise console.fail(exc) from exc
            core = dep.contracts["ArtCore"]
            chain_hash = chain_token_hash(w3, core.address, core.abi, token_id)
        with factory() as session:
            result = verify_token(
                session,
                token_id,
                data_dir=settings.data_dir,
                model_paths=settings.model_paths,
                chain_hash=chain_hash,
            )
    except StyleLedgerError as exc:
        raise console.fail(exc) from exc
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


def _verify_record(record: Path, image: Path | None, model_dir: Path | None) -> None:
    from generator.verification import verify_record

    try:
        check = verify_record(record, reference=image, model_dir=model_dir)
    except (ValueError, LookupError, FileNotFoundError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(json.dumps(check.to_dict(), indent=2))
    raise typer.Exit(VERIFY_EXITS[check.verdict])


def register(app: typer.Typer) -> None:
    """Add ``render-worker`` and ``verify`` to the ``styleledger`` application."""
    app.command("render-worker")(render_worker)
    app.command("verify")(verify)
