"""Registered styles and what they earned."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indexer.api.crud.common import count_rows, fits, page_fields
from indexer.api.deps import Page
from indexer.api.schemas import (
    Paged,
    StyleOut,
)
from indexer.api.services.adapter_models import adapter_base_models
from indexer.db.models.chain import (
    Style,
)
from indexer.db.models.ledger import (
    Attribution,
    LedgerEntry,
)


def _style_figures(session: Session, style_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """style id -> (tokens attributed, wei earned as artist)."""
    tokens = dict(
        session.execute(
            select(Attribution.style_id, func.count(func.distinct(Attribution.token_id)))
            .where(Attribution.style_id.in_(style_ids), Attribution.ppm > 0)
            .where(Attribution.style_status.in_(("active", "suspended")))
            .group_by(Attribution.style_id)
        ).all()
    )
    earned: dict[int, int] = defaultdict(int)
    for style_id, amount in session.execute(
        select(LedgerEntry.style_id, LedgerEntry.amount).where(
            LedgerEntry.style_id.in_(style_ids), LedgerEntry.role == "artist"
        )
    ):
        earned[style_id] += amount
    return {s: (tokens.get(s, 0), earned.get(s, 0)) for s in style_ids}


def _style_out(style: Style, figures: tuple[int, int], bases: dict[str, str | None]) -> StyleOut:
    return StyleOut(
        style_id=style.style_id,
        name=style.name,
        owner=style.owner,
        payout=style.payout,
        keywords=list(style.keywords),
        metadata_uri=style.metadata_uri,
        adapter_id=style.adapter_id,
        adapter_base_model_id=bases.get(style.adapter_id) if style.adapter_id else None,
        works_root=style.works_root,
        works_uri=style.works_uri,
        status=style.status,
        tokens_attributed=figures[0],
        earned_wei=figures[1],
    )


def list_styles(session: Session, page: Page) -> Paged[StyleOut]:
    styles = session.scalars(
        select(Style).order_by(Style.style_id).offset(page.offset).limit(page.limit)
    ).all()
    figures = _style_figures(session, [s.style_id for s in styles])
    bases = adapter_base_models(s.adapter_id for s in styles)
    return Paged[StyleOut](
        items=[_style_out(s, figures[s.style_id], bases) for s in styles],
        total=count_rows(session, select(Style.style_id)),
        **page_fields(page),
    )


def get_style(session: Session, style_id: int) -> StyleOut | None:
    if not fits(style_id):
        return None
    style = session.get(Style, style_id)
    if style is None:
        return None
    figures = _style_figures(session, [style_id])[style_id]
    return _style_out(style, figures, adapter_base_models([style.adapter_id]))
