"""Chain rows written straight into a database, for the ledger's tests without a chain.

The end-to-end test gets the same rows from the real sync on anvil; these helpers let the queue,
worker and settlement tests run in a second on SQLite or PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from indexer.db.models.chain import (
    Project,
    ProjectVersion,
    Style,
    StyleKeyword,
    StyleVersion,
    Token,
    log_pos,
    style_status,
)

ZERO_HASH = "0x" + "00" * 32


def tiny_model(folder: Path) -> Path:
    """The generator tests' tiny random SD-layout model (tests/support/sd_factory.py)."""
    from tests.support.sd_factory import build_tiny_sd

    return build_tiny_sd(folder)


def _ref(block: int, log_index: int = 0) -> dict:
    return {
        "block_number": block,
        "tx_hash": f"0x{block:032x}{log_index:032x}",
        "log_index": log_index,
    }


def add_style(
    session: Session,
    style_id: int,
    keywords: list[str],
    payout: str,
    *,
    block: int,
    opted_out: bool = False,
    suspended: bool = False,
) -> None:
    """Register a style at ``block`` (its keywords valid from then on)."""
    pos = log_pos(block, 0)
    state = {
        "owner": payout,
        "name": f"style {style_id}",
        "keywords": keywords,
        "payout": payout,
        "pending_payout": None,
        "pending_payout_effective_at": None,
        "metadata_uri": "",
        "opted_out": opted_out,
        "suspended": suspended,
        "reason": "",
        "status": style_status(opted_out, suspended),
    }
    ref = _ref(block)
    session.add(
        Style(
            style_id=style_id,
            registered_block=block,
            registered_tx=ref["tx_hash"],
            updated_block=block,
            **state,
        )
    )
    session.flush()
    session.add(
        StyleVersion(style_id=style_id, event="StyleRegistered", valid_from_pos=pos, **ref, **state)
    )
    for kw in keywords:
        session.add(
            StyleKeyword(keyword=kw, style_id=style_id, valid_from_pos=pos, block_number=block)
        )
    session.flush()


def change_style(
    session: Session,
    style_id: int,
    *,
    block: int,
    opted_out: bool,
    suspended: bool,
    keywords: list[str] | None = None,
) -> None:
    """A later status change of a style at ``block`` (closes the current version);
    ``keywords=[]`` is the curator's revocation."""
    pos = log_pos(block, 1)
    current = session.query(StyleVersion).filter_by(style_id=style_id, valid_to_pos=None).one()
    current.valid_to_pos = pos
    fields = {
        k: getattr(current, k)
        for k in (
            "owner",
            "name",
            "keywords",
            "payout",
            "pending_payout",
            "pending_payout_effective_at",
            "metadata_uri",
            "reason",
        )
    }
    status = style_status(opted_out, suspended)
    session.add(
        StyleVersion(
            style_id=style_id,
            event="StyleChanged",
            valid_from_pos=pos,
            opted_out=opted_out,
            suspended=suspended,
            status=status,
            **_ref(block, 1),
            **{**fields, **({} if keywords is None else {"keywords": keywords})},
        )
    )
    style = session.get(Style, style_id)
    style.opted_out, style.suspended, style.status = opted_out, suspended, status
    session.flush()


def add_project(
    session: Session,
    project_id: int,
    *,
    author: str,
    prompt: str,
    model_id: str,
    price: int,
    block: int = 1,
    size: int = 64,
    steps: int = 2,
) -> None:
    state = {
        "author": author,
        "name": f"project {project_id}",
        "prompt": prompt,
        "model_id": model_id,
        "steps": steps,
        "guidance_x100": 750,
        "width": size,
        "height": size,
        "scheduler": "ddim",
        "price": price,
        "max_supply": 1000,
        "preview_mint": False,
        "active": True,
        "royalty_receiver": None,
        "royalty_bps": 0,
    }
    ref = _ref(block, 2)
    session.add(
        Project(
            project_id=project_id,
            created_block=block,
            created_tx=ref["tx_hash"],
            updated_block=block,
            **state,
        )
    )
    session.flush()
    session.add(
        ProjectVersion(
            project_id=project_id,
            event="ProjectCreated",
            valid_from_pos=log_pos(block, 2),
            **ref,
            **state,
        )
    )
    session.flush()


def add_token(
    session: Session,
    project_id: int,
    invocation: int,
    *,
    block: int,
    price: int,
    bps: int = 1000,
    minter: str = "0x" + "77" * 20,
) -> int:
    token_id = project_id * 1_000_000 + invocation
    platform = price * bps // 10_000
    log_index = 3 + invocation % 1000
    ref = _ref(block, log_index)
    session.add(
        Token(
            token_id=token_id,
            project_id=project_id,
            invocation=invocation,
            owner=minter,
            minter=minter,
            hash="0x" + f"{token_id:064x}",
            seed=None,
            price=price,
            platform_bps=bps,
            platform_amount=platform,
            creator_pool=price - platform,
            pos=log_pos(block, log_index),
            block_hash=f"0x{block:064x}",
            **ref,
        )
    )
    session.flush()
    return token_id


def fake_renderer(ppm_by_word: dict[str, int], calls: list[int] | None = None):
    """A renderer returning fixed attribution figures (for ledger tests that need no pixels).

    The real renderer is exercised by the worker and end-to-end tests; this one lets the queue
    and settlement tests run fast. ``calls`` collects the token ids it was asked to render.
    """
    from generator.attribution import WordFigures
    from indexer.render.inputs import RenderInput
    from indexer.render.worker import RenderOutput

    def render(inp: RenderInput, data_dir: Path, model_paths: list[Path] | None) -> RenderOutput:
        if calls is not None:
            calls.append(inp.token_id)
        words = [
            WordFigures(word=w, area=0.5, intensity=p / 1e6, contribution=p / 1e6, ppm=p)
            for w, p in ppm_by_word.items()
        ]
        return RenderOutput(
            pixel_hash="0x" + f"{inp.token_id:064x}",
            image_path=f"images/{inp.token_id}.png",
            image_sha256="0x" + "00" * 32,
            heatmap_dir=None,
            model_id=inp.settings.model_id,
            record={"token_hash": inp.token_hash, "ppm": dict(ppm_by_word)},
            words=words,
            seconds=0.0,
        )

    return render


def add_royalty(session: Session, project_id: int, amount: int, *, block: int) -> None:
    """A royalty deposit forwarded by the project's receiver at ``block``."""
    from indexer.db.models.chain import Deposit

    ref = _ref(block, 9)
    session.add(
        Deposit(
            kind="royalty",
            project_id=project_id,
            source="0x" + "99" * 20,
            amount=amount,
            total_deposited=amount,
            pos=log_pos(block, 9),
            block_hash=f"0x{block:064x}",
            **ref,
        )
    )
    session.flush()
