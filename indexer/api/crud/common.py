"""Helpers shared by the resources' reads."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indexer.api.deps import DB_INT_MAX, Page

TOKEN_ID_BASE = 1_000_000


def fits(*ids: int) -> bool:
    """Ids above a 64-bit column cannot exist; answer 404 without asking the database."""
    return all(0 <= i <= DB_INT_MAX for i in ids)


def count_rows(session: Session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def seed_decimal(seed: int | str | None) -> str | None:
    """The seed as a decimal string (a uint256 does not fit a JSON number exactly)."""
    if seed is None:
        return None
    if isinstance(seed, str):
        return str(int(seed, 0))
    return str(seed)


def image_url(base: str, token_id: int) -> str:
    return f"{base}/tokens/{token_id}/image.png"


def page_fields(page: Page) -> dict[str, int]:
    return {"offset": page.offset, "limit": page.limit}
