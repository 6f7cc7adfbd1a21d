"""Questions about the chain as it stood at a point: which style a word named at a mint, etc.

A point is a log position (:func:`~indexer.db.models.log_pos`); for a token use ``token.pos``
(the state the contract saw when the mint ran). ``block_number`` alone means the end of that
block (every log of the block applied).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from generator.words import assign_keywords, keyword_candidates
from indexer.db.models.chain import (
    PlatformFee,
    PlatformRecipient,
    ProjectVersion,
    StyleKeyword,
    StyleVersion,
    Token,
    block_end_pos,
)

D = TypeVar("D")


class ResolvedStyle(NamedTuple):
    """The style a word named: its id, payout address and status (active/opted_out/suspended)."""

    style_id: int
    payout: str
    status: str


def _at(block_number: int | None, pos: int | None) -> int:
    if (block_number is None) == (pos is None):
        raise ValueError("give exactly one of block_number or pos")
    return pos if pos is not None else block_end_pos(block_number)  # type: ignore[arg-type]


def resolve_keywords_at(
    session: Session,
    words: Iterable[str],
    block_number: int | None = None,
    *,
    pos: int | None = None,
) -> dict[str, ResolvedStyle]:
    """``{word: (style_id, payout, status)}`` for the words that were style keywords at the point.

    Words that named no style then are absent. A keyword is held by at most one style at a
    time (StyleRegistry enforces it); an opted-out or suspended style keeps its keywords, so its
    words resolve with that status (the ledger pays active styles, holds suspended ones' shares,
    and gives opted-out ones' shares to the prompt author).
    """
    at = _at(block_number, pos)
    wanted = sorted(set(words))
    if not wanted:
        return {}
    rows = session.execute(
        select(
            StyleKeyword.keyword, StyleVersion.style_id, StyleVersion.payout, StyleVersion.status
        )
        .join(StyleVersion, StyleVersion.style_id == StyleKeyword.style_id)
        .where(
            StyleKeyword.keyword.in_(wanted),
            StyleKeyword.valid_from_pos < at,
            or_(StyleKeyword.valid_to_pos.is_(None), StyleKeyword.valid_to_pos > at),
            StyleVersion.valid_from_pos < at,
            or_(StyleVersion.valid_to_pos.is_(None), StyleVersion.valid_to_pos > at),
        )
    ).all()
    return {word: ResolvedStyle(sid, payout, status) for word, sid, payout, status in rows}


def resolve_keywords_for_token(
    session: Session, words: Iterable[str], token: Token
) -> dict[str, ResolvedStyle]:
    """:func:`resolve_keywords_at` at the token's Mint log."""
    return resolve_keywords_at(session, words, pos=token.pos)


class PromptKeywords(NamedTuple):
    """A prompt's keywords at a point: the style each registered keyword it spells named, and
    the keyword each word pays (``generator.words.assign_keywords``; words absent pay none)."""

    styles: dict[str, ResolvedStyle]
    owner: dict[str, str]


def prompt_keywords_at(session: Session, prompt: str, *, pos: int) -> PromptKeywords:
    """The one way from a prompt to the keywords its words pay at log position ``pos`` (for a
    token: its ``pos``): the render worker books a sale by it, the epoch file publishes it."""
    styles = resolve_keywords_at(session, keyword_candidates(prompt), pos=pos)
    return PromptKeywords(styles, assign_keywords(prompt, styles))


def _version_at(session: Session, column: Any, key: int, at: int) -> Any:
    model = column.class_
    return session.scalars(
        select(model)
        .where(column == key, model.valid_from_pos < at)
        .order_by(model.valid_from_pos.desc())
        .limit(1)
    ).first()


def style_at(
    session: Session, style_id: int, block_number: int | None = None, *, pos: int | None = None
) -> StyleVersion | None:
    """The version of a style in force at the point (None if not registered yet)."""
    return _version_at(session, StyleVersion.style_id, style_id, _at(block_number, pos))


def project_at(
    session: Session, project_id: int, block_number: int | None = None, *, pos: int | None = None
) -> ProjectVersion | None:
    """The version of a project in force at the point (prompt, model, settings, price...)."""
    return _version_at(session, ProjectVersion.project_id, project_id, _at(block_number, pos))


def _in_force_at(session: Session, column: Any, valid_from_pos: Any, pos: int | None) -> Any:
    """The value of a change-history ``column`` in force at ``pos`` (``None``: now; None before
    any change)."""
    stmt = select(column).order_by(valid_from_pos.desc()).limit(1)
    return session.scalar(stmt if pos is None else stmt.where(valid_from_pos < pos))


def platform_bps_at(session: Session, pos: int | None, default: D) -> int | D:
    """ArtCore's platform share (basis points) in force at ``pos`` (``None``: now); ``default``
    before any change was indexed."""
    bps = _in_force_at(session, PlatformFee.bps, PlatformFee.valid_from_pos, pos)
    return default if bps is None else bps


def platform_recipient_at(session: Session, pos: int | None, default: D) -> str | D:
    """ArtCore's platform recipient at ``pos`` (``None``: now; ``PlatformRecipientUpdated``);
    ``default`` (the deployment file's platform role) before any change was indexed."""
    recipient = _in_force_at(
        session, PlatformRecipient.recipient, PlatformRecipient.valid_from_pos, pos
    )
    return default if recipient is None else recipient
