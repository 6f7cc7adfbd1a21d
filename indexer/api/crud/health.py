"""Chain head, indexed head, render queue."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from indexer.api.schemas import (
    Health,
)
from indexer.db.models.chain import (
    SyncCursor,
    Token,
)
from indexer.db.models.ledger import Render


def health(session: Session, chain_id: int | None, chain_head: int | None) -> Health:
    try:
        cursor = session.scalars(select(SyncCursor).limit(1)).first()
        # every minted token not rendered yet waits, whether a worker queued its job yet or not
        depth = session.scalar(
            select(func.count())
            .select_from(Token)
            .where(~Token.token_id.in_(select(Render.token_id)))
        )
        database = "ok"
    except SQLAlchemyError:
        session.rollback()
        cursor, depth, database = None, 0, "error"
    indexed = cursor.next_block - 1 if cursor is not None else None
    lag = chain_head - indexed if chain_head is not None and indexed is not None else None
    ok = database == "ok" and chain_head is not None
    return Health(
        status="ok" if ok else "degraded",
        chain_id=chain_id if chain_id is not None else (cursor.chain_id if cursor else None),
        chain_head=chain_head,
        indexed_head=indexed,
        lag=max(0, lag) if lag is not None else None,
        render_queue_depth=depth or 0,
        database=database,
    )
