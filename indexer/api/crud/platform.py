"""The platform's recipient, share, earnings and withdrawals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.api.crud.common import count_rows, page_fields
from indexer.api.deps import Page
from indexer.api.schemas import (
    Paged,
    PlatformOut,
    PlatformWithdrawalOut,
)
from indexer.db.base import sum_wei
from indexer.db.models.chain import (
    PlatformWithdrawal,
    Token,
)
from indexer.db.models.ledger import (
    LedgerEntry,
)
from indexer.db.queries import platform_bps_at, platform_recipient_at


def platform(
    session: Session, page: Page, default_recipient: str | None, default_bps: int | None
) -> PlatformOut:
    """The platform now (the defaults: the deployment file's, before any change was indexed)."""
    withdrawals = session.scalars(
        select(PlatformWithdrawal)
        .order_by(PlatformWithdrawal.block_number.desc(), PlatformWithdrawal.log_index.desc())
        .offset(page.offset)
        .limit(page.limit)
    )
    accrued = sum_wei(session, Token.platform_amount)
    withdrawn = sum_wei(session, PlatformWithdrawal.amount)
    return PlatformOut(
        recipient=platform_recipient_at(session, None, default_recipient),
        bps=platform_bps_at(session, None, default_bps),
        sales=count_rows(session, select(Token.token_id)),
        accrued_wei=accrued,
        withdrawn_wei=withdrawn,
        balance_wei=accrued - withdrawn,
        royalties_wei=sum_wei(
            session,
            LedgerEntry.amount,
            LedgerEntry.kind == "royalty",
            LedgerEntry.role == "platform",
        ),
        withdrawals=Paged[PlatformWithdrawalOut](
            items=[
                PlatformWithdrawalOut(
                    to=w.to_address,
                    amount_wei=w.amount,
                    block_number=w.block_number,
                    tx_hash=w.tx_hash,
                )
                for w in withdrawals
            ],
            total=count_rows(session, select(PlatformWithdrawal.id)),
            **page_fields(page),
        ),
    )
