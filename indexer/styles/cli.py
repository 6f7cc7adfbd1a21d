"""``styleledger style``: an artist's works -> a style adapter; a work's proof of consent."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from generator.models import DEFAULT_MODEL_DIR
from generator.training.config import AdapterConfig
from generator.training.synthetic import DEMO_WORKS
from generator.words import is_keyword
from indexer.console import fail

_DEMO = DEMO_WORKS
_DEFAULTS = AdapterConfig(works_dir=Path("works"), keyword="kw", out_dir=Path("adapter"))
style_app = typer.Typer(help="Style adapters: learn a style from an artist's own works.")


def _prior_words(option: str | None) -> tuple[str, ...] | None:
    """``--prior-words``: unset -> None (the base model's style words), ``-`` -> () (none)."""
    if option is None:
        return None
    if option.strip() == "-":
        return ()
    return tuple(w.strip() for w in option.split(",") if w.strip())


@style_app.command("train")
def train_command(
    works: Path = typer.Option(..., "--works", help="folder of images, each with <name>.txt"),
    keyword: str = typer.Option(..., "--keyword", help="the style's keyword (docs/words.md)"),
    out: Path = typer.Option(None, "--out", help="adapter folder (default: adapters/KEYWORD)"),
    base_model: Path = typer.Option(DEFAULT_MODEL_DIR, "--base-model", help="base model folder"),
    steps: int = typer.Option(_DEFAULTS.steps, help="optimiser steps"),
    batch: int = typer.Option(_DEFAULTS.batch, help="works per step"),
    lora_rank: int = typer.Option(_DEFAULTS.lora_rank, help="LoRA rank on the UNet (0: none)"),
    init_word: str = typer.Option(
        _DEFAULTS.init_word, help="start the keyword's embedding as this word's (default: its own)"
    ),
    prior_words: str = typer.Option(
        None,
        help="comma-separated base-model words put in the keyword's place in the prior's prompts, "
        "in turn (default: the base model's own style words, as its styleledger.json lists them; "
        "'-': the keyword is taken out instead)",
    ),
    seed: int = typer.Option(_DEFAULTS.seed, help="every random draw comes from this"),
    threads: int = typer.Option(_DEFAULTS.threads, help="CPU threads"),
) -> None:
    """Train an adapter on WORKS for KEYWORD; print its adapter id and works root."""
    if not is_keyword(keyword):
        raise fail(f"{keyword!r} is not a keyword: [a-z0-9]+(-[a-z0-9]+)*, 2-32 bytes")
    from generator.training.adapter import WorksError, read_works, train_adapter
    from indexer.styles.works import works_tree

    out = out or Path("adapters") / keyword
    cfg = AdapterConfig(
        works_dir=works,
        keyword=keyword,
        out_dir=out,
        base_model=base_model,
        steps=steps,
        batch=batch,
        lora_rank=lora_rank,
        init_word=init_word,
        prior_words=_prior_words(prior_words),
        seed=seed,
        threads=threads,
    )
    try:
        listed = read_works(works, keyword, size=8)  # captions and files checked before training
        tree = works_tree(w.sha256 for w in listed)
        manifest = train_adapter(cfg, works_root=tree.root, works_dump=tree.dump())
    except WorksError as exc:
        raise fail(exc) from exc
    typer.echo(f"adapter id  0x{manifest['adapter_id']}")
    typer.echo(f"works root  {tree.root}  ({len(listed)} works)")
    typer.echo(f"trained in {manifest['figures']['train_s']:.0f} s -> {out}")


@style_app.command("sample-works")
def sample_works_command(
    texture: str = typer.Option(_DEMO[0], help="one of the synthetic set's adapter textures"),
    count: int = typer.Option(_DEMO[1], help="how many works"),
    seed: int = typer.Option(_DEMO[2], help="the works are a function of (texture, count, seed)"),
    out: Path = typer.Option(Path("works"), "--out", help="folder to write the works into"),
) -> None:
    """Write a synthetic artist's works (images and captions) painted with TEXTURE, a texture
    the default model never saw: the demo's and the benchmark's works."""
    from generator.training import synthetic
    from generator.training.adapter import write_works

    if texture not in synthetic.ADAPTER_TEXTURES:
        raise fail(
            f"texture must be one of {', '.join(synthetic.ADAPTER_TEXTURES)}, got {texture!r}"
        )
    if count < 1:
        raise fail(f"count must be at least 1, got {count}")
    paths = write_works(synthetic.works_samples(texture, count, seed), out)
    typer.echo(f"{len(paths)} works ({texture}, seed {seed}) -> {out}")


@style_app.command("prove")
def prove_command(
    work: Path = typer.Argument(..., help="the work's file"),
    adapter: Path = typer.Option(..., "--adapter", help="adapter folder (its works.json)"),
) -> None:
    """Print the proof that WORK is in the adapter's consented works (JSON)."""
    from indexer.ledger.merkle import StandardMerkleTree
    from indexer.styles.works import work_proof, work_sha256

    dump_path = adapter / "works.json"
    if not dump_path.is_file():
        raise fail(f"{dump_path} does not exist: is {adapter} an adapter folder?")
    tree = StandardMerkleTree.load(json.loads(dump_path.read_text()))
    digest = work_sha256(work.read_bytes())
    try:
        proof = work_proof(tree, digest)
    except KeyError as exc:
        raise fail(f"{work} (sha256 {digest}) is not among the consented works") from exc
    typer.echo(json.dumps({"root": tree.root, "sha256": digest, "proof": proof}, indent=2))


def register(app: typer.Typer) -> None:
    app.add_typer(style_app, name="style")
