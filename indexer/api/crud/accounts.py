"""Earnings and Merkle claims of an account."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.api.deps import Page
from indexer.api.schemas import (
    ClaimTicket,
    EarningLine,
    Earnings,
)
from indexer.db.base import sum_wei
from indexer.db.models.chain import (
    Claim,
    RootPost,
)
from indexer.db.models.ledger import (
    EpochLeaf,
    LedgerEntry,
)


def _latest_root(session: Session, claimable_by: float | None = None) -> RootPost | None:
    """The newest root posted and not vetoed (and claimable by ``claimable_by``, if given)."""
    stmt = select(RootPost).where(RootPost.vetoed_block.is_(None))
    if claimable_by is not None:
        stmt = stmt.where(RootPost.claimable_at <= int(claimable_by))
    return session.scalars(stmt.order_by(RootPost.epoch.desc()).limit(1)).first()


def _leaf(session: Session, epoch: int, account: str) -> EpochLeaf | None:
    return session.get(EpochLeaf, (epoch, account))


def earnings(session: Session, account: str, page: Page | None = None) -> Earnings:
    posted = _latest_root(session)
    claimable_root = _latest_root(session, claimable_by=time.time())
    cumulative = _leaf_amount(session, posted, account)
    claimable_cumulative = _leaf_amount(session, claimable_root, account)
    claimed = sum_wei(session, Claim.amount, Claim.account == account)
    booked = sum_wei(
        session, LedgerEntry.amount, LedgerEntry.account == account, LedgerEntry.in_tree
    )
    stmt = (
        select(LedgerEntry)
        .where(LedgerEntry.account == account)
        .order_by(LedgerEntry.id.desc())
        .limit(page.limit if page else 200)
        .offset(page.offset if page else 0)
    )
    lines = [
        EarningLine(
            token_id=e.token_id,
            project_id=e.project_id,
            role=e.role,
            style_id=e.style_id,
            ppm=e.ppm,
            amount_wei=e.amount,
            epoch=e.epoch,
        )
        for e in session.scalars(stmt)
    ]
    return Earnings(
        account=account,
        cumulative_wei=cumulative,
        pending_wei=max(0, booked - cumulative),
        claimed_wei=claimed,
        claimable_wei=max(0, claimable_cumulative - claimed),
        tokens=lines,
    )


def _leaf_amount(session: Session, root: RootPost | None, account: str) -> int:
    if root is None:
        return 0
    leaf = _leaf(session, root.epoch, account)
    return leaf.cumulative if leaf is not None else 0


def claim_ticket(session: Session, account: str, distributor: str | None) -> ClaimTicket | None:
    root = _latest_root(session)
    if root is None:
        return None
    leaf = _leaf(session, root.epoch, account)
    if leaf is None:
        return None
    claimed = sum_wei(session, Claim.amount, Claim.account == account)
    return ClaimTicket(
        account=account,
        epoch=root.epoch,
        root=root.root,
        cumulative_wei=leaf.cumulative,
        claimed_wei=claimed,
        claimable_wei=max(0, leaf.cumulative - claimed),
        proof=leaf.proof_hex,
        distributor=distributor,
        claimable_at=root.claimable_at,
    )
