"""Settled epochs: roots, totals, leaves."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.api.crud.common import count_rows, fits, page_fields
from indexer.api.deps import Page
from indexer.api.schemas import (
    EpochDetail,
    EpochOut,
    Paged,
)
from indexer.api.schemas import (
    EpochLeaf as EpochLeafOut,
)
from indexer.db.models.chain import (
    RootPost,
)
from indexer.db.models.ledger import (
    Epoch,
    EpochLeaf,
)


def _epoch_out(epoch: Epoch, post: RootPost | None) -> dict:
    return dict(
        epoch=epoch.number,
        root=epoch.root,
        total_wei=epoch.total,
        uri=epoch.uri,
        leaf_count=epoch.leaf_count,
        claimable_at=post.claimable_at if post else None,
        posted=post is not None,
        vetoed=post is not None and post.vetoed_block is not None,
    )


def _posts(session: Session, numbers: Sequence[int]) -> dict[int, RootPost]:
    posts = session.scalars(
        select(RootPost).where(RootPost.epoch.in_(numbers)).order_by(RootPost.id)
    )
    return {p.epoch: p for p in posts}  # the last post of an epoch wins


def list_epochs(session: Session, page: Page) -> Paged[EpochOut]:
    epochs = session.scalars(
        select(Epoch).order_by(Epoch.number.desc()).offset(page.offset).limit(page.limit)
    ).all()
    posts = _posts(session, [e.number for e in epochs])
    return Paged[EpochOut](
        items=[EpochOut(**_epoch_out(e, posts.get(e.number))) for e in epochs],
        total=count_rows(session, select(Epoch.number)),
        **page_fields(page),
    )


def epoch_detail(session: Session, number: int, page: Page) -> EpochDetail | None:
    if not fits(number):
        return None
    epoch = session.get(Epoch, number)
    if epoch is None:
        return None
    leaves = session.scalars(
        select(EpochLeaf)
        .where(EpochLeaf.epoch == number)
        .order_by(EpochLeaf.tree_index)
        .offset(page.offset)
        .limit(page.limit)
    )
    return EpochDetail(
        **_epoch_out(epoch, _posts(session, [number]).get(number)),
        leaves=Paged[EpochLeafOut](
            items=[
                EpochLeafOut(account=leaf.account, cumulative_wei=leaf.cumulative)
                for leaf in leaves
            ],
            total=epoch.leaf_count,
            **page_fields(page),
        ),
    )
