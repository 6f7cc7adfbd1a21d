"""``styleledger render-worker`` and ``styleledger verify``: the render side's commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from indexer import console
from indexer.db.base import make_session_factory

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
        str | None, typer.Option(help="The chain to read the token from [STYLELEDGER_RPC_URL].")
    ] = None,
    epoch_file: Annotated[
        str | None,
        typer.Option(
            "--epoch-file",
            help="The published epoch file (a path or a URL) to check the token against; "
            "default: the file the newest root on-chain names. No database is used.",
        ),
    ] = None,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="Check against the published epoch file even where a database is configured.",
        ),
    ] = False,
    deployment: DeploymentOpt = None,
    database_url: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ablate: Annotated[
        bool,
        typer.Option(
            "--ablate",
            help="Also re-render once per word with it removed from the prompt (same hash) and "
            "show, beside its share, how much the image changes on its area and elsewhere.",
        ),
    ] = False,
) -> None:
    """Re-render a token and compare its pixels and its shares with the recorded ones.

    TOKEN_ID: anyone's check, with no database: the token's hash, project and styles at the
    mint from the chain (--rpc-url; its events replayed in memory), its pixel hash, shares and
    wei from its epoch's published file (--epoch-file, else the file the newest root on-chain
    names), which is checked against the root on-chain. With a database configured
    (--database-url or STYLELEDGER_DATABASE_URL; --public to check the published file
    instead): the token as the operator's indexer stored it, its image included. --record
    FILE instead: a record.json written by `styleledger render` (--image: the image it wrote,
    for the tolerance check).

    Exit codes, the same in both modes: 0 identical; 3 within tolerance (off the canonical
    float path: pixels within 2 levels on at most 0.1 % of them, shares within 100 ppm a
    word); 1 different; 2 bad input (a missing or malformed file, an unknown token).
    """
    inputs = None
    if record is not None:
        result = _verify_record(record, image, model_dir)
    elif token_id is None:
        raise console.fail("give a TOKEN_ID (or --record record.json)")
    elif public or epoch_file is not None or not _database_named(database_url):
        result, inputs = _verify_published(token_id, rpc_url, deployment, epoch_file)
    else:
        result = _verify_token(token_id, rpc_url, database_url, data_dir)
    ablation = (
        _ablation(token_id, record, model_dir, database_url, data_dir, inputs) if ablate else None
    )
    if as_json:
        out = result.to_dict()
        if ablation is not None:
            out["ablation"] = ablation.to_dict()
        typer.echo(json.dumps(out, indent=2))
    else:
        for line in describe(result, f"token {token_id}" if record is None else str(record)):
            typer.echo(line)
        for line in ablation.lines() if ablation is not None else []:
            typer.echo(line)
    raise typer.Exit(code=result.exit_code)


def _ablation(token_id, record, model_dir, database_url, data_dir, inputs=None):
    """generator.ablation for the token being verified (its settings and hash as recorded, or
    as the chain gave them to the published check)."""
    from generator import find_model
    from generator.ablation import ablate
    from generator.settings import RenderSettings

    if record is not None:
        from generator.verification import read_record

        rec = read_record(record)
        return ablate(RenderSettings(**rec["settings"]), rec["token_hash"], model_dir=model_dir)
    if inputs is not None:
        folder = find_model(inputs.settings.model_id, console.settings().model_paths)
        return ablate(inputs.settings, inputs.token_hash, model_dir=folder)
    from indexer.render.inputs import load_render_input

    settings = console.settings(database_url=database_url, data_dir=data_dir)
    engine = console.database(settings)
    try:
        with console.one_line_errors(settings), make_session_factory(engine)() as session:
            inp = load_render_input(session, token_id)
    finally:
        engine.dispose()
    folder = find_model(inp.settings.model_id, settings.model_paths)
    return ablate(inp.settings, inp.token_hash, model_dir=folder)


def _verify_record(record: Path, image: Path | None, model_dir: Path | None):
    from generator.verification import verify_record

    try:
        return verify_record(record, reference=image, model_dir=model_dir)
    except (ValueError, LookupError, OSError) as exc:
        raise console.fail(exc) from exc


def _database_named(database_url: str | None) -> bool:
    """Whether a database was asked for (the flag, STYLELEDGER_DATABASE_URL or .env): verify
    never creates one otherwise."""
    return database_url is not None or "database_url" in console.settings().model_fields_set


def _verify_published(
    token_id: int, rpc_url: str | None, deployment: Path | None, epoch_file: str | None
):
    """indexer.render.published: the chain and the published file, no database."""
    from indexer.chain.connection import open_chain
    from indexer.render.published import replay_chain, verify_published

    settings = console.settings(rpc_url=rpc_url, deployment=deployment)
    with console.one_line_errors(settings):
        w3, dep = open_chain(settings.rpc_url, settings.deployment, timeout=settings.rpc_timeout)
        replay = replay_chain(w3, dep)
        try:
            result = verify_published(
                token_id,
                w3=w3,
                deployment=dep,
                epoch_file=epoch_file,
                model_paths=settings.model_paths,
                replay=replay,
            )
            with replay.factory() as session:
                from indexer.render.inputs import load_render_input

                inputs = load_render_input(session, token_id)
        finally:
            replay.dispose()
    return result, inputs


def _verify_token(
    token_id: int, rpc_url: str | None, database_url: str | None, data_dir: Path | None
):
    from indexer.render.verify import chain_token_hash, verify_token

    settings = console.settings(rpc_url=rpc_url, database_url=database_url, data_dir=data_dir)
    engine = console.database(settings)
    factory = make_session_factory(engine)
    chain_hash = None
    try:
        with console.one_line_errors(settings):
            if rpc_url is not None:
                from indexer.chain.connection import open_chain

                w3, dep = open_chain(
                    settings.rpc_url, settings.deployment, timeout=settings.rpc_timeout
                )
                core = dep.contracts["ArtCore"]
                chain_hash = chain_token_hash(w3, core.address, core.abi, token_id)
            with factory() as session:
                return verify_token(
                    session,
                    token_id,
                    data_dir=settings.data_dir,
                    model_paths=settings.model_paths,
                    chain_hash=chain_hash,
                )
    finally:
        engine.dispose()


def describe(result, what: str) -> list[str]:
    """A verification in a few lines: the verdict, the pixels' figures, the shares that moved."""
    p = result.pixels
    lines = [f"{what}: {result.verdict.replace('_', ' ')}"]
    lines.append(f"  pixels {p.verdict.replace('_', ' ')}: {p.reason}")
    if p.verdict != "identical":
        lines.append(f"    expected {p.expected_pixel_hash}\n    actual   {p.actual_pixel_hash}")
    if p.max_abs_delta is not None and p.verdict != "identical":
        lines.append(
            f"    max |delta| {p.max_abs_delta} levels on {p.pixels_off} of {p.total_pixels} "
            f"pixels ({p.fraction_off:.4%})"
        )
    if result.shares is not None:
        sh = result.shares
        lines.append(f"  shares {sh.verdict.replace('_', ' ')}: {sh.reason}")
        for word, delta in sh.deltas.items():
            lines.append(
                f"    {word:<16} recorded {sh.recorded_ppm.get(word, 0):>9,} ppm  "
                f"re-rendered {sh.actual_ppm.get(word, 0):>9,} ppm  ({delta:+,})"
            )
    wei = getattr(result, "wei", None)  # token mode: the sale recomputed from the shares
    if wei is not None:
        lines.append(f"  wei {'recomputed alike' if wei.matches else 'DIFFER'}: {wei.reason}")
        lines += [f"    {line} {delta:+,} wei" for line, delta in wei.deltas.items()]
    publication = getattr(result, "publication", None)  # checked against the published file
    if publication is not None:
        lines.append(
            f"  epoch {publication.epoch} file {'matches' if publication.matches else 'DIFFERS'}"
            f" ({publication.source})" + ("" if publication.problems else f": {publication.reason}")
        )
        lines += [f"    {problem}" for problem in publication.problems]
    lines += [f"  note: {note}" for note in result.notes]
    return lines


def register(app: typer.Typer) -> None:
    """Add ``render-worker`` and ``verify`` to the ``styleledger`` application."""
    app.command("render-worker")(render_worker)
    app.command("verify")(verify)
