"""What the wallet app shows an account: its tokens, projects, styles and earnings over time."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indexer.api.crud.common import image_url
from indexer.api.crud.token_status import job_states
from indexer.api.deps import Page
from indexer.api.wallet_schemas import (
    AccountHistory,
    AccountProject,
    AccountStyle,
    AccountToken,
    ClaimOut,
    EpochPoint,
)
from indexer.db.base import sum_wei
from indexer.db.models.chain import Claim, Project, RootPost, Style, Token
from indexer.db.models.ledger import EpochLeaf, LedgerEntry


def tokens_of(session: Session, owner: str, page: Page, base: str) -> list[AccountToken]:
    rows = session.execute(
        select(Token, Project.name)
        .join(Project, Project.project_id == Token.project_id)
        .where(Token.owner == owner)
        .order_by(Token.token_id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    states = job_states(session, [t.token_id for t, _ in rows])
    return [
        AccountToken(
            token_id=t.token_id,
            project_id=t.project_id,
            project_name=name,
            invocation=t.invocation,
            token_hash=t.hash,
            state=states[t.token_id],
            image=image_url(base, t.token_id) if states[t.token_id] == "done" else None,
            price_wei=t.price,
            minted_block=t.block_number,
        )
        for t, name in rows
    ]


def projects_of(session: Session, author: str, page: Page) -> list[AccountProject]:
    projects = session.scalars(
        select(Project)
        .where(Project.author == author)
        .order_by(Project.project_id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    ids = [p.project_id for p in projects]
    counts = dict(
        session.execute(
            select(Token.project_id, func.count())
            .where(Token.project_id.in_(ids))
            .group_by(Token.project_id)
        ).all()
    )
    return [
        AccountProject(
            project_id=p.project_id,
            name=p.name,
            prompt=p.prompt,
            price_wei=p.price,
            max_supply=p.max_supply,
            invocations=counts.get(p.project_id, 0),
            active=p.active,
            preview_mint=p.preview_mint,
            royalty_bps=p.royalty_bps,
            editable=counts.get(p.project_id, 0) == 0,
        )
        for p in projects
    ]


def styles_of(session: Session, owner: str, page: Page) -> list[AccountStyle]:
    styles = session.scalars(
        select(Style)
        .where(Style.owner == owner)
        .order_by(Style.style_id)
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return [
        AccountStyle(
            style_id=s.style_id,
            name=s.name,
            keywords=list(s.keywords),
            payout=s.payout,
            status=s.status,
            pending_payout=s.pending_payout,
            pending_payout_effective_at=s.pending_payout_effective_at,
        )
        for s in styles
    ]


def history(session: Session, account: str) -> AccountHistory:
    """Cumulative entitlement per posted (not vetoed) epoch, what is booked beyond the latest, and
    every claim, oldest first."""
    rows = session.execute(
        select(RootPost.epoch, RootPost.block_number, EpochLeaf.cumulative)
        .join(EpochLeaf, EpochLeaf.epoch == RootPost.epoch)
        .where(EpochLeaf.account == account, RootPost.vetoed_block.is_(None))
        .order_by(RootPost.epoch)
    ).all()
    epochs = [EpochPoint(epoch=e, block_number=b, cumulative_wei=c) for e, b, c in rows]
    booked = sum_wei(
        session, LedgerEntry.amount, LedgerEntry.account == account, LedgerEntry.in_tree
    )
    latest = epochs[-1].cumulative_wei if epochs else 0
    claims = [
        ClaimOut(
            amount_wei=c.amount,
            cumulative_wei=c.cumulative,
            block_number=c.block_number,
            tx_hash=c.tx_hash,
        )
        for c in session.scalars(
            select(Claim).where(Claim.account == account).order_by(Claim.block_number, Claim.id)
        )
    ]
    return AccountHistory(
        account=account, epochs=epochs, pending_wei=max(0, booked - latest), claims=claims
    )
