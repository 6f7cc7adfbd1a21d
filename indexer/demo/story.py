"""The steps of ``styleledger demo`` (see ``indexer.demo.run``): the story on-chain, then the indexer.

Every step uses the project's own parts: the contracts through their ABIs, previews through
``indexer.api.services.preview`` (the preview hash rule) and the generator, the indexer through
``indexer.sync.Syncer``, ``indexer.render.worker.Worker``, ``indexer.ledger.epochs.settle`` and
``indexer.render.verify.verify_token``. The figures of the report come from ``indexer.demo.report``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from indexer.db.base import make_session_factory
from indexer.db.migrate import open_database
from indexer.demo import report as demo_report
from indexer.demo.actors import Actor
from indexer.demo.context import StoryContext
from indexer.demo.types import (
    ADAPTER_STYLE,
    LATECOMER,
    OPT_OUT_STYLE,
    PROJECTS,
    STYLES,
    MintOutcome,
    Preview,
    StyleOutcome,
    mint_schedule,
)
from indexer.errors import DemoError, TxReverted
from indexer.render.inputs import chain_project, render_settings

StepFn = Callable[[str], AbstractContextManager[None]]


def tell(ctx: StoryContext, step: StepFn) -> None:
    """Steps 2 to 6 of the demo (step 1, chain and contracts, is done by ``indexer.demo.run``)."""
    w3 = ctx.chain.w3
    start_block = w3.eth.block_number
    start_balances = {a.address: w3.eth.get_balance(a.address, start_block) for a in ctx.actors}
    with step("2. artists register styles"):
        register_styles(ctx)
    with step("3. the prompt author creates three projects (one with Eve's adapter)"):
        create_projects(ctx)
    with step("4. collectors mint (previews, seeds, an opt-out half-way)"):
        mint_tokens(ctx)
    engine = open_database(ctx.result.database_url)
    factory = make_session_factory(engine)
    try:
        with step("5. the indexer: sync, render + attribute, settle; payees claim"):
            catch_up(ctx, factory)
            render_all(ctx, factory)
            epoch = settle_epoch(ctx, factory)
            claim_all(ctx, factory, epoch)
            catch_up(ctx, factory)  # the claims, indexed too
        with step("6. payouts, verification and the page"):
            demo_report.report(ctx, factory, start_block, start_balances)
    finally:
        engine.dispose()


# ──────────────────────────────────────────── styles ──────────────────────────────────────────────


def register_styles(ctx: StoryContext) -> None:
    chain, registry = ctx.chain, ctx.chain.registry
    for plan, artist in zip(STYLES, ctx.by_role("artist"), strict=True):
        fn = registry.functions.registerStyle(
            plan.name, list(plan.keywords), artist.address, f"ipfs://styleledger-demo/{artist.name}"
        )
        receipt = chain.send(artist, fn)
        style_id = int(chain.events(registry, "StyleRegistered", receipt)[0]["args"]["styleId"])
        ctx.result.styles.append(StyleOutcome(style_id, plan, artist.address))
        ctx.console.print(
            f"  style #{style_id} [bold]{plan.name}[/] by {artist.name} ({artist.address}): "
            f"keywords {', '.join(plan.keywords)}"
        )
    register_adapter_style(ctx)
    latecomer = ctx.by_role("latecomer")[0]
    fn = registry.functions.registerStyle(
        LATECOMER.name, list(LATECOMER.keywords), latecomer.address, "ipfs://styleledger-demo/dee"
    )
    try:
        chain.simulate(latecomer, fn)
    except TxReverted as exc:
        ctx.result.refusal = refusal_message(ctx, latecomer, exc)
        ctx.console.print(f"  [yellow]refused[/]: {ctx.result.refusal}")
        return
    raise DemoError(f"the registry accepted {LATECOMER.keywords}, which another style holds")


def register_adapter_style(ctx: StoryContext) -> None:
    """Eve opts her own works in: her style and its adapter (the shipped one, learned from her
    works) registered in one transaction, with the root of her works' sha256."""
    from generator import adapters

    chain, registry = ctx.chain, ctx.chain.registry
    eve = ctx.by_role("adapter-artist")[0]
    folder = adapter_for_model(ctx)
    manifest = adapters.AdapterManifest.read(folder)
    adapter_id = adapters.adapter_id(folder)
    works_root = manifest.raw["works"]["root"]
    fn = registry.functions.registerStyleWithAdapter(
        ADAPTER_STYLE.name, list(ADAPTER_STYLE.keywords), eve.address, "ipfs://styleledger-demo/eve",
        bytes.fromhex(adapter_id), bytes.fromhex(works_root.removeprefix("0x")),
        "ipfs://styleledger-demo/eve/works.json",
    )  # fmt: skip
    receipt = chain.send(eve, fn)
    style_id = int(chain.events(registry, "StyleRegistered", receipt)[0]["args"]["styleId"])
    ctx.result.styles.append(StyleOutcome(style_id, ADAPTER_STYLE, eve.address))
    ctx.result.adapters[ADAPTER_STYLE.keywords[0]] = adapter_id
    ctx.console.print(
        f"  style #{style_id} [bold]{ADAPTER_STYLE.name}[/] by {eve.name} ({eve.address}): keyword "
        f"{ADAPTER_STYLE.keywords[0]}, adapter {adapter_id[:12]}... learned from "
        f"{manifest.raw['works']['count']} of her works (works root {works_root[:12]}...)"
    )


def adapter_for_model(ctx: StoryContext) -> Path:
    """Eve's adapter folder for the demo's model: the shipped one (learned on the default model
    from her works), else one learned now from the same works on this model, in
    ``out_dir/adapters`` (the search path of this run's renders, ``STYLELEDGER_MODELS``)."""
    from generator import adapters
    from generator.models import model_id
    from generator.training import synthetic
    from generator.training.adapter import read_works, train_adapter, write_works
    from generator.training.config import AdapterConfig
    from indexer.styles.works import works_tree

    keyword = ADAPTER_STYLE.keywords[0]
    shipped = adapters.SHIPPED_ADAPTERS_DIR / keyword
    if adapters.is_adapter_folder(shipped) and (
        adapters.AdapterManifest.read(shipped).base_model_id == model_id(ctx.model_dir)
    ):
        return shipped
    root = ctx.options.out_dir / "adapters"
    works = root / "works"
    write_works(synthetic.works_samples(*synthetic.DEMO_WORKS), works)
    out = root / keyword
    ctx.console.print(f"  learning Eve's adapter on this model ({ctx.options.adapter_steps} steps)")
    tree = works_tree(w.sha256 for w in read_works(works, keyword, size=8))
    cfg = AdapterConfig(works_dir=works, keyword=keyword, out_dir=out, base_model=ctx.model_dir,
                        steps=ctx.options.adapter_steps, progress=not ctx.options.quiet)  # fmt: skip
    train_adapter(cfg, works_root=tree.root, works_dump=tree.dump())
    return out


def refusal_message(ctx: StoryContext, who: Actor, exc: TxReverted) -> str:
    """The decoded custom error, said in words when it is the keyword-taken error."""
    if exc.error is not None and exc.error[0] == "StyleRegistryKeywordTaken":
        keyword, style_id = exc.error[1]["keyword"], int(exc.error[1]["styleId"])
        owner = next((s.plan.name for s in ctx.result.styles if s.style_id == style_id), "?")
        return (
            f"{who.name} cannot register {LATECOMER.name!r}: keyword {keyword!r} already belongs "
            f"to style #{style_id} ({owner}) [{exc.reason}]"
        )
    return f"{who.name} cannot register {LATECOMER.name!r}: {exc.reason}"


# ─────────────────────────────────────────── projects ─────────────────────────────────────────────


def _prompt_keywords() -> list[str]:
    return [
        k for plan in STYLES for k in plan.keywords
    ]  # the adapter's keyword is new to the model


def model_vocabulary(model_dir: Path) -> set[str]:
    """The style keywords a model folder says it was trained on (``styleledger.json``)."""
    from generator.models import model_keywords

    return {w for words in model_keywords(model_dir).values() for w in words}


def create_projects(ctx: StoryContext) -> None:
    from generator.models import model_id
    from generator.settings import RenderSettings

    chain, core = ctx.chain, ctx.chain.core
    author = ctx.by_role("author")[0]
    recommended = RenderSettings.recommended("demo", ctx.model_dir)
    steps, side, guidance = recommended.steps, recommended.width, recommended.guidance
    steps = ctx.options.steps or steps
    side = ctx.options.size or side
    ctx.result.model_id = model_id(ctx.model_dir)
    unknown = sorted(set(_prompt_keywords()) - model_vocabulary(ctx.model_dir))
    if unknown and model_vocabulary(ctx.model_dir):
        ctx.console.print(f"  [yellow]the model was not trained on the keywords {unknown}")
    settings = (steps, round(guidance * 100), side, side, "ddim")
    for plan in PROJECTS:
        fields = (plan.name, plan.prompt, bytes.fromhex(ctx.result.model_id), settings,
                  plan.price, 1000, plan.preview_mint)  # fmt: skip
        if plan.adapter_keywords:
            ids = [bytes.fromhex(ctx.result.adapters[k]) for k in plan.adapter_keywords]
            fn = core.functions.createProjectWithAdapters(*fields, ids)
        else:
            fn = core.functions.createProject(*fields)
        receipt = chain.send(author, fn)
        project_id = int(chain.events(core, "ProjectCreated", receipt)[0]["args"]["projectId"])
        ctx.result.projects.append((project_id, plan))
        ctx.console.print(
            f"  project #{project_id} [bold]{plan.name}[/] by {author.name}: {plan.prompt!r}, "
            f"{plan.price / 1e18:g} ETH, preview mint {'on' if plan.preview_mint else 'off'}"
            + (f", adapters {', '.join(plan.adapter_keywords)}" if plan.adapter_keywords else "")
        )
    ctx.console.print(
        f"  model {ctx.result.model_id[:16]}... ({ctx.model_dir}), {steps} steps, "
        f"{side}x{side} px, guidance {guidance:g}, ddim"
    )


# ───────────────────────────────────────────── mints ──────────────────────────────────────────────


def mint_tokens(ctx: StoryContext) -> None:
    chain, core = ctx.chain, ctx.chain.core
    collectors = ctx.by_role("collector")
    schedule = mint_schedule(ctx.options.mints, ctx.options.seeded_mints)
    half = ctx.options.mints // 2
    with ctx.progress() as progress:
        task = progress.add_task("mint", total=len(schedule))
        for plan in schedule:
            if plan.number == half + 1:
                opt_out(ctx, plan.number)
            project_id, project = ctx.result.projects[plan.project]
            collector = collectors[plan.collector]
            seed = None
            if plan.seeded:
                seed = choose_seed(ctx, project_id, collector, progress)
                fn = core.functions.mintWithSeed(project_id, seed)
            else:
                fn = core.functions.mint(project_id)
            receipt = chain.send(collector, fn, value=project.price)
            args = chain.events(core, "Mint", receipt)[0]["args"]
            outcome = MintOutcome(
                number=plan.number,
                token_id=int(args["tokenId"]),
                project_id=project_id,
                collector=collector.address,
                price=int(args["price"]),
                token_hash="0x" + bytes(args["hash"]).hex(),
                seed=seed,
                block=int(receipt["blockNumber"]),
            )
            if seed is not None:
                chosen = next(p for p in ctx.result.previews if p.chosen and p.seed == seed
                              and p.collector == collector.address and p.project_id == project_id)  # fmt: skip
                if chosen.token_hash != outcome.token_hash:
                    raise DemoError(
                        f"token {outcome.token_id}: minted hash {outcome.token_hash} is not the "
                        f"previewed {chosen.token_hash}"
                    )
            ctx.result.mints.append(outcome)
            progress.console.print(
                f"  mint {plan.number:>2}: token {outcome.token_id} to {collector.name}"
                + (f" with seed {seed}" if seed is not None else "")
                + f", hash {outcome.token_hash[:18]}..."
            )
            progress.advance(task)


def opt_out(ctx: StoryContext, before_mint: int) -> None:
    style = ctx.result.styles[OPT_OUT_STYLE - 1]
    artist = ctx.actor_at(style.owner)
    assert artist is not None
    ctx.chain.send(artist, ctx.chain.registry.functions.optOut(style.style_id))
    style.opted_out_at_mint = before_mint
    ctx.console.print(
        f"  [magenta]{artist.name} opts style #{style.style_id} ({style.plan.name}) out[/]: "
        f"mints from number {before_mint} on pay its keywords' shares to the prompt author"
    )


def choose_seed(ctx: StoryContext, project_id: int, collector: Actor, progress: Any) -> int:
    """Preview seeds for ``collector`` (free, off-chain, the exact token ``mintWithSeed`` would
    give them) and pick the one with the most contrast."""
    from indexer.api.services.preview import PreviewProject, preview_hash, render_preview_png

    core = ctx.chain.core
    project = PreviewProject(project_id, True, render_settings(chain_project(core, project_id)))
    folder = ctx.out_dir / "previews"
    folder.mkdir(parents=True, exist_ok=True)
    task = progress.add_task(f"previews for {collector.name}", total=ctx.options.preview_seeds)
    shown: list[Preview] = []
    for seed in range(ctx.options.preview_seeds):
        token_hash = preview_hash(core.address, project_id, seed, collector.address)
        on_chain = (
            "0x" + bytes(core.functions.seedHash(project_id, seed, collector.address).call()).hex()
        )
        if on_chain != token_hash:
            raise DemoError(f"preview hash {token_hash} differs from ArtCore.seedHash {on_chain}")
        png = render_preview_png(project, token_hash, [ctx.model_dir])
        name = f"p{project_id}-{collector.address[2:10].lower()}-seed{seed}.png"
        (folder / name).write_bytes(png)
        pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)
        shown.append(
            Preview(collector.address, project_id, seed, token_hash, f"previews/{name}",
                    float(pixels.std()))
        )  # fmt: skip
        progress.advance(task)
    best = max(shown, key=lambda p: p.contrast)
    best.chosen = True
    ctx.result.previews.extend(shown)
    progress.console.print(
        f"  {collector.name} previews seeds 0-{len(shown) - 1} of project #{project_id} and "
        f"keeps seed {best.seed} (contrast {best.contrast:.1f})"
    )
    return best.seed


# ─────────────────────────────────────────── the indexer ──────────────────────────────────────────


def catch_up(ctx: StoryContext, factory: Any) -> None:
    from indexer.ledger.epochs import ROLLBACK_HOOKS
    from indexer.sync.scanner import Syncer

    with ctx.progress() as progress:
        task = progress.add_task("index blocks", total=None)

        def on_progress(p: Any) -> None:
            total = max(p.target_block - p.first_block + 1, 1)
            progress.update(task, total=total, completed=min(p.next_block - p.first_block, total))

        syncer = Syncer(
            ctx.chain.w3,
            ctx.chain.deployment,
            factory,
            rollback_hooks=ROLLBACK_HOOKS,
            on_progress=on_progress,
        )
        done = syncer.run_once()
    ctx.console.print(
        f"  indexed blocks {done.first_block}..{done.next_block - 1}: {done.logs} logs"
    )


def _platform(ctx: StoryContext) -> str:
    return ctx.chain.deployment.platform or ctx.actors[0].address


def render_all(ctx: StoryContext, factory: Any) -> None:
    from generator.models import search_paths
    from indexer.render.worker import Worker

    worker = Worker(
        factory,
        ctx.out_dir / "data",
        platform=_platform(ctx),
        model_paths=search_paths("", ctx.model_dir),
    )
    worker.enqueue_missing()
    with ctx.progress() as progress:
        task = progress.add_task("render + attribute", total=len(ctx.result.mints))

        def on_progress(_token_id: int, counts: Any) -> None:
            progress.update(task, total=counts.total, completed=counts.done + counts.failed)

        worker.run(once=True, on_progress=on_progress)
    if worker.failed:
        reasons = "; ".join(f"token {t}: {r}" for t, r in worker.failed)
        raise DemoError(f"renders failed: {reasons}")
    ctx.console.print(f"  rendered and attributed {len(worker.rendered)} tokens")


def settle_epoch(ctx: StoryContext, factory: Any) -> int:
    from indexer.ledger import epochs as st

    dep = ctx.chain.deployment
    settler_address = dep.roles.get("settler")
    settler = ctx.actor_at(settler_address) if settler_address else ctx.actors[0]
    if settler is None:
        raise DemoError(
            f"the settler {settler_address} is none of the demo's accounts: use the mnemonic "
            "whose first account deployed the contracts"
        )
    dist = dep.contracts["PayoutDistributor"]
    poster = st.RootPoster(ctx.chain.w3, dist.address, dist.abi, settler.account)
    with factory() as session:
        summary = st.settle(
            session, poster=poster, platform=_platform(ctx), default_bps=dep.platform_bps,
            uri=f"{ctx.options.public_url}/epochs/{{epoch}}.json",
        )  # fmt: skip
        left = st.unsettled_summary(session, summary.as_of_block)
    if left["tokens_not_rendered"]:
        raise DemoError(f"{left['tokens_not_rendered']} tokens were not rendered before settling")
    ctx.result.epoch = {
        "number": summary.number,
        "root": summary.root,
        "total": summary.total,
        "leaves": summary.leaf_count,
        "status": summary.status,
        "tx_hash": summary.tx_hash,
        "as_of_block": summary.as_of_block,
    }
    ctx.console.print(
        f"  epoch {summary.number}: root {summary.root}, {summary.total} wei over "
        f"{summary.leaf_count} accounts, {summary.status} (tx {summary.tx_hash})"
    )
    return summary.number


def claim_all(ctx: StoryContext, factory: Any, epoch: int) -> None:
    """Every leaf's account claims its cumulative amount; the platform withdraws its share."""
    from sqlalchemy import select

    from indexer.db.models.ledger import EpochLeaf

    chain = ctx.chain
    with factory() as session:
        leaves = session.scalars(
            select(EpochLeaf).where(EpochLeaf.epoch == epoch).order_by(EpochLeaf.account)
        ).all()
        claims = [(leaf.account, int(leaf.cumulative), bytes(leaf.proof)) for leaf in leaves]
    for account, cumulative, proof_bytes in claims:
        proof = [proof_bytes[i : i + 32] for i in range(0, len(proof_bytes), 32)]
        claimant = ctx.actor_at(account) or ctx.actors[0]  # anyone may claim for an account
        chain.send(claimant, chain.distributor.functions.claim(account, cumulative, proof))
        name = ctx.result.actors.get(account, (account, ""))[0]
        ctx.console.print(f"  {name} claims {cumulative} wei ({cumulative / 1e18:.6f} ETH)")
    platform = ctx.actor_at(_platform(ctx))
    if platform is None:
        ctx.console.print("  [yellow]the platform account is not ours: its share stays in ArtCore")
        return
    receipt = chain.send(platform, chain.core.functions.withdrawPlatformBalance(platform.address))
    amount = int(chain.events(chain.core, "PlatformWithdrawn", receipt)[0]["args"]["amount"])
    ctx.console.print(f"  the platform ({platform.name}) withdraws {amount} wei")
