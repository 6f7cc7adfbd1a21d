"""``styleledger demo``: the command (the story itself is ``indexer.demo.run``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from indexer.demo.types import DEFAULT_OUT_DIR, MNEMONIC_ENV, DemoOptions
from indexer.devchain.anvil import ANVIL_MNEMONIC
from indexer.errors import DemoError


def demo_command(
    rpc_url: Annotated[
        str | None,
        typer.Option(
            help="Run on this chain instead of starting anvil. The mnemonic's first eleven accounts "
            "must be funded; account 0 deploys (or, with --deployment, must be the settler)."
        ),
    ] = None,
    mnemonic: Annotated[
        str | None,
        typer.Option(
            help=f"Where the accounts' keys come from [{MNEMONIC_ENV}] (default: anvil's).",
            show_default=False,
        ),
    ] = None,
    deployment: Annotated[
        Path | None,
        typer.Option(
            help="Use contracts already deployed (their deployments/<chainId>.json), fresh "
            "ones: the payout table covers every mint since their deployment."
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Database URL, e.g. postgresql+psycopg://user:pw@host/db (an empty database). "
            "Default: a fresh SQLite file, OUT_DIR/demo.sqlite."
        ),
    ] = None,
    model_dir: Annotated[
        Path | None,
        typer.Option(
            help="Model folder (diffusers layout) the projects pin; default: the shipped "
            "generator/default_model. Renders find it by id on this folder, then STYLELEDGER_MODELS."
        ),
    ] = None,
    out_dir: Annotated[Path, typer.Option(help="Where the page, images and database go.")] = (
        DEFAULT_OUT_DIR
    ),
    mints: Annotated[int, typer.Option(help="Tokens the collectors mint.")] = 12,
    seeded_mints: Annotated[
        int, typer.Option(help="Of which minted with a seed chosen from previews.")
    ] = 3,
    preview_seeds: Annotated[int, typer.Option(help="Seeds each of them previews.")] = 3,
    steps: Annotated[
        int | None, typer.Option(help="Denoising steps of the projects (default: the model's).")
    ] = None,
    size: Annotated[
        int | None, typer.Option(help="Image side in pixels (default: the model's).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """The whole story, end to end: styles, projects, previews and mints; the indexer renders, attributes and settles; every payee claims; the wei reconcile. Writes OUT_DIR/index.html.

    By default it starts anvil (node_modules) on a free port, deploys with scripts/deploy.py and stops everything it started at the end (also on Ctrl-C or an error).

    Another chain: --rpc-url URL --mnemonic "twelve words" (its first eleven accounts funded; account 0 deploys, or with --deployment FILE must be the settler and platform).

    Another database: --database-url postgresql+psycopg://user:pw@host/db (an empty one).

    Another model: --model-dir PATH (renders also search STYLELEDGER_MODELS).
    """
    if mnemonic is None:
        from indexer import console

        secret = console.settings().demo_mnemonic
        mnemonic = secret.get_secret_value() if secret is not None else ANVIL_MNEMONIC
    options = DemoOptions(
        out_dir=out_dir,
        rpc_url=rpc_url,
        mnemonic=mnemonic,
        deployment=deployment,
        database_url=database_url,
        model_dir=model_dir,
        mints=mints,
        seeded_mints=seeded_mints,
        preview_seeds=preview_seeds,
        steps=steps,
        size=size,
        quiet=quiet,
    )
    from indexer.demo.run import run_demo

    try:
        run_demo(options)
    except KeyboardInterrupt:
        typer.secho("interrupted: everything the demo started is stopped", fg="yellow", err=True)
        raise typer.Exit(code=130) from None
    except DemoError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from exc


def dev_command(
    demo: Annotated[
        bool, typer.Option(help="Tell the demo's story once first (styles, projects, mints).")
    ] = True,
    port: Annotated[int, typer.Option(help="The app's and API's port.")] = 8000,
    chain_port: Annotated[int, typer.Option(help="anvil's port.")] = 8545,
    settle_every: Annotated[
        float, typer.Option(help="Seconds between `settle` runs (0: never).")
    ] = 60.0,
    state_dir: Annotated[
        Path, typer.Option(help="Where the chain's state, database and images persist.")
    ] = Path(".state/dev"),
    fresh: Annotated[bool, typer.Option(help="Forget the saved chain and data first.")] = False,
) -> None:
    """Live locally: a persistent anvil, the contracts (and, by default, the demo's story), then index + render-worker + serve side by side and settle every minute. Prints the URL; Ctrl-C stops everything."""
    from indexer.demo.dev import DevOptions, run_dev

    options = DevOptions(
        state_dir=state_dir, chain_port=chain_port, port=port, demo=demo,
        settle_every=settle_every, fresh=fresh,
    )  # fmt: skip
    try:
        run_dev(options, say=typer.echo)
    except KeyboardInterrupt:
        typer.secho("stopped: anvil, index, render-worker and serve", fg="yellow", err=True)
    except DemoError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from exc


def register(app: typer.Typer) -> None:
    """Add ``demo`` and ``dev`` to the ``styleledger`` application."""
    app.command("demo")(demo_command)
    app.command("dev")(dev_command)
