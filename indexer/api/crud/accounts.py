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
    Epoch,
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


def claim_ticket(
    session: Session,
    account: str,
    distributor: str | None,
    *,
    claimable: tuple[int, str] | None = None,
    epoch: int | None = None,
) -> ClaimTicket | None:
    """The arguments of ``claim`` for ``account``: for ``epoch`` if asked (every epoch's proofs
    stay available), else for the root the contract checks claims against now (``claimable``,
    read from the chain), else for the newest indexed root that is claimable by now. None when
    the account is in no such epoch or this database lacks that root's leaves."""
    if epoch is not None:
        number = epoch
    elif claimable is not None:
        number, root_hex = claimable
        stored = session.get(Epoch, number)
        if number == 0 or stored is None or stored.root != root_hex:
            return None  # no root yet, or one this database did not build
    else:
        indexed = _latest_root(session, claimable_by=time.time())
        if indexed is None:
            return None
        number = indexed.epoch
    stored = session.get(Epoch, number)
    leaf = _leaf(session, number, account)
    if stored is None or leaf is None:
        return None
    post = session.scalars(
        select(RootPost).where(RootPost.epoch == number, RootPost.root == stored.root)
    ).first()
    claimed = sum_wei(session, Claim.amount, Claim.account == account)
    return ClaimTicket(
        account=account,
        epoch=number,
        root=stored.root,
        cumulative_wei=leaf.cumulative,
        claimed_wei=claimed,
        claimable_wei=max(0, leaf.cumulative - claimed),
        proof=leaf.proof_hex,
        distributor=distributor,
        claimable_at=post.claimable_at if post is not None else None,
    )
