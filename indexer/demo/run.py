"""``styleledger demo``: StyleLedger's whole story on a local chain, end to end, with real parts.

1. anvil (the real binary from node_modules) on a free port; the contracts deployed by
   ``scripts/deploy.py`` (brownie);
2. three artists register styles whose keywords the default model knows, each from an account
   of their own; a fourth tries a keyword already taken and is refused (the custom error decoded);
3. a prompt author creates two projects, the second with preview minting;
4. collectors mint (twelve by default) from several accounts; some first preview seeds (rendered
   with the preview hash rule) and mint the one they like; one artist opts out half-way;
5. the indexer catches up (``indexer.sync.scanner``), renders and attributes every token
   (``indexer.render.worker``), settles an epoch and posts its root (``indexer.ledger.epochs``); every
   payee claims on-chain (the platform withdraws its share);
6. a payout table whose wei add up to what the collectors paid, with each account's on-chain
   balance change reconciled against its claims, payments and gas; two tokens re-verified from
   chain data (``indexer.render.verify``); ``out/demo/index.html`` with every image, its heat-map overlay,
   keyword shares and payees (``indexer.demo.report``);
7. everything it started is stopped (process groups, also on Ctrl-C and errors).

Accounts come from a mnemonic (anvil's by default): index 0 deploys (and, as deployed by
``scripts/deploy.py`` on a dev chain, holds the settler role and receives the platform share),
1-3 are the artists, 4 the latecomer, 5 the prompt author, 6-9 the collectors.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from indexer.chain.connection import connect
from indexer.chain.deployment import load_deployment
from indexer.console import sigterm_as_interrupt
from indexer.demo import story
from indexer.demo.actors import CAST_SIZE, DemoChain, derive_actors
from indexer.demo.context import StoryContext
from indexer.demo.types import RUN_OUTPUTS, DemoOptions, DemoResult
from indexer.devchain.anvil import start_anvil
from indexer.devchain.deploy import deploy_contracts
from indexer.devchain.processes import Processes
from indexer.errors import DemoError

# ───────────────────────────────────────────── the run ────────────────────────────────────────────


def clean_outputs(out_dir: Path) -> None:
    """Remove what an earlier run wrote (only the demo's own outputs)."""
    for name in RUN_OUTPUTS:
        path = out_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def resolve_model_dir(model_dir: Path | None) -> Path:
    from generator.models import DEFAULT_MODEL_DIR

    folder = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
    if not (folder / "model_index.json").is_file():
        raise DemoError(
            f"no diffusers model at {folder} (model_index.json missing): the default model ships "
            "in generator/default_model; or pass --model-dir PATH"
        )
    return folder.resolve()


def model_defaults(model_dir: Path) -> tuple[int, int, float]:
    """Steps, image side and guidance the model folder recommends
    (``RenderSettings.recommended``)."""
    from generator.rendering import RenderSettings

    settings = RenderSettings.recommended("demo", model_dir)
    return settings.steps, settings.width, settings.guidance


def serve_hint(options: DemoOptions, result: DemoResult) -> str:
    """How to continue live: the demo's chain is gone once it ends (it stopped the anvil it
    started), so the page could not mint; `styleledger dev` keeps one running. On a chain of its
    own (--rpc-url), the commands that serve, index and render beside each other."""
    if options.rpc_url is None:
        return (
            "the demo's chain is stopped; to continue live (mint, register, create, claim in the "
            "browser): .venv/bin/styleledger dev   (or make dev: a persistent anvil, the "
            "contracts and this story, with index + render-worker + serve side by side)"
        )
    out_dir = options.out_dir.resolve()
    deployment = options.deployment or out_dir / "deployments" / f"{result.chain_id}.json"
    env = (
        f"STYLELEDGER_RPC_URL={result.rpc_url} STYLELEDGER_DATABASE_URL={result.database_url} "
        f"STYLELEDGER_DATA_DIR={out_dir / 'data'} STYLELEDGER_DEPLOYMENT={deployment}"
    )
    return (
        "to continue live on this chain, run these three side by side (the indexer follows the "
        "chain, the worker renders each mint, serve is the app at http://127.0.0.1:8000/):\n"
        f"  {env} .venv/bin/styleledger index\n"
        f"  {env} .venv/bin/styleledger render-worker\n"
        f"  {env} .venv/bin/styleledger serve"
    )


def run_demo(options: DemoOptions, console: Any | None = None) -> DemoResult:
    """Run the whole story (see the module docstring); stops everything it started."""
    from rich.console import Console

    options.check()
    if console is None:
        console = Console(quiet=options.quiet)
        if not console.is_terminal:  # a log file: wide enough for the payout table
            console = Console(quiet=options.quiet, width=150)
    processes = Processes()
    started = time.perf_counter()
    with sigterm_as_interrupt():
        try:
            result = _run(options, console, processes)
        finally:
            processes.stop_all()
    result.wall_s = time.perf_counter() - started
    result.pids = list(processes.started)
    console.print(f"\n[bold green]demo done[/] in {result.wall_s:.1f} s; page: {result.html}")
    console.print(serve_hint(options, result), soft_wrap=True)
    return result


def _quiet_libraries() -> None:
    """No per-load progress bars of diffusers and transformers among the demo's own."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()


def _run(options: DemoOptions, console: Any, processes: Processes) -> DemoResult:

    _quiet_libraries()
    out_dir = options.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_outputs(out_dir)
    model_dir = resolve_model_dir(options.model_dir)
    actors = derive_actors(options.mnemonic)
    timings: dict[str, float] = {}

    @contextmanager
    def step(title: str) -> Iterator[None]:
        console.rule(f"[bold]{title}")
        t0 = time.perf_counter()
        yield
        timings[title] = time.perf_counter() - t0
        console.print(f"[dim]{title}: {timings[title]:.1f} s[/]")

    with step("1. chain and contracts"):
        if options.rpc_url is None:
            rpc_url = start_anvil(accounts=CAST_SIZE, processes=processes).url
            console.print(f"anvil listening at {rpc_url} (pid {processes.started[-1]})")
        else:
            rpc_url = options.rpc_url
        w3 = connect(rpc_url, timeout=60)
        if options.deployment is not None:
            deployment = load_deployment(options.deployment)
            console.print(f"using the deployment in {options.deployment}")
        else:
            console.print("deploying with scripts/deploy.py (brownie) ...")
            path = deploy_contracts(
                rpc_url,
                out_dir / "deployments",
                deployer_key="0x" + bytes(actors[0].account.key).hex(),
                processes=processes,
            )
            deployment = load_deployment(path)
        if deployment.chain_id != w3.eth.chain_id:
            raise DemoError(
                f"the deployment is for chain {deployment.chain_id}, the RPC serves "
                f"{w3.eth.chain_id}"
            )
        chain = DemoChain(w3, deployment)
        for name, info in deployment.contracts.items():
            console.print(f"  {name:<18} {info.address}")

    database_url = options.database_url or f"sqlite:///{out_dir / 'demo.sqlite'}"
    result = DemoResult(
        rpc_url=rpc_url,
        chain_id=deployment.chain_id,
        deployment=deployment.raw,
        database_url=database_url,
        model_dir=str(model_dir),
        model_id="",
        actors={a.address: (a.name, a.role) for a in actors},
        timings=timings,
    )
    ctx = StoryContext(
        options=options,
        console=console,
        chain=chain,
        actors=actors,
        out_dir=out_dir,
        model_dir=model_dir,
        result=result,
    )
    with adapters_on_search_path(out_dir / "adapters"):
        story.tell(ctx, step)
    return result


@contextmanager
def adapters_on_search_path(folder: Path) -> Iterator[None]:
    """``folder`` (where the story puts an adapter it learns for a custom model) first on
    ``STYLELEDGER_MODELS`` for the run, as the operator's own setting would put it."""
    from generator.models import MODELS_ENV

    before = os.environ.get(MODELS_ENV)
    os.environ[MODELS_ENV] = os.pathsep.join(p for p in (str(folder), before) if p)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(MODELS_ENV, None)
        else:
            os.environ[MODELS_ENV] = before
