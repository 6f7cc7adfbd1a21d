"""Tables of the render queue, the renders and attributions, the ledger and the epochs.

Owned by the ledger side of the indexer; they share ``Base`` with the chain tables (base.py,
chain models) and are created by their own Alembic revision, chained after the chain tables'.

Rows keyed by a token reference the chain's ``tokens`` row with ``ON DELETE CASCADE``: when a
reorg removes a mint, its job, render, attribution and unsettled ledger entries go with it.
Wei amounts are ``Numeric(78, 0)`` (exact integers, Python ``int`` at the edges).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from indexer.db.base import Base
from indexer.db.types import BigIntPK, Wei


class JobStatus(StrEnum):
    """``render_jobs.status``: queued -> running (leased) -> done, or failed after max tries."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class EpochStatus(StrEnum):
    """``epochs.status``: leaves and proofs stored (built) -> root transaction sent -> mined
    (posted); a root the guardian vetoed; a built epoch a later posted one covers."""

    BUILT = "built"
    SENT = "sent"
    POSTED = "posted"
    VETOED = "vetoed"
    SUPERSEDED = "superseded"


class RenderJob(Base):
    """One token to render: claimed by one worker at a time under a lease."""

    __tablename__ = "render_jobs"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("tokens.token_id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED, index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    worker_id: Mapped[str | None] = mapped_column(String(128))
    # unix seconds; a running job whose lease expired is claimable again
    lease_until: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )


class Render(Base):
    """The stored result of rendering one token."""

    __tablename__ = "renders"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("tokens.token_id", ondelete="CASCADE"), primary_key=True
    )
    pixel_hash: Mapped[str] = mapped_column(String(66))
    # relative to the data dir: images/<sha256 of the PNG bytes>.png (content-addressed)
    image_path: Mapped[str] = mapped_column(String(256))
    image_sha256: Mapped[str] = mapped_column(String(66))
    # folder (relative to the data dir) with one heat-map PNG per word and an overlay
    heatmap_dir: Mapped[str | None] = mapped_column(String(256))
    model_id: Mapped[str] = mapped_column(String(66))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    worker_id: Mapped[str | None] = mapped_column(String(128))
    seconds: Mapped[float | None] = mapped_column(Float)
    rendered_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class Attribution(Base):
    """One prompt word's figures for a token and the style it named at the mint's block."""

    __tablename__ = "attributions"
    __table_args__ = (UniqueConstraint("token_id", "word"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("tokens.token_id", ondelete="CASCADE"), index=True
    )
    word: Mapped[str] = mapped_column(String(64))
    area: Mapped[float] = mapped_column(Float)
    intensity: Mapped[float] = mapped_column(Float)
    contribution: Mapped[float] = mapped_column(Float)
    ppm: Mapped[int] = mapped_column(Integer)
    # the style the word named at the mint's block (NULL: none), its status then and payout
    style_id: Mapped[int | None] = mapped_column(BigInteger)
    style_status: Mapped[str | None] = mapped_column(String(16))
    payee: Mapped[str | None] = mapped_column(String(42))


class LedgerEntry(Base):
    """``amount`` wei owed to ``account`` for a sale (token) or a royalty deposit.

    ``in_tree`` is false for the platform's cut of a sale (the contract paid it at the mint);
    every other entry is paid through the Merkle tree. ``epoch`` is the epoch whose tree first
    included the entry (NULL: not settled yet; held entries stay NULL while suspended).
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_unsettled", "epoch", "in_tree"),
        Index("ix_ledger_account", "account"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "sale" | "royalty"
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("tokens.token_id", ondelete="CASCADE"), index=True
    )
    # royalties: the deposit's key (tx hash:log index), unique per (deposit, account, role)
    deposit_key: Mapped[str | None] = mapped_column(String(96), index=True)
    project_id: Mapped[int] = mapped_column(BigInteger, index=True)
    account: Mapped[str] = mapped_column(String(42))
    role: Mapped[str] = mapped_column(String(16))  # platform | artist | author | held
    style_id: Mapped[int | None] = mapped_column(BigInteger)
    ppm: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Wei)
    in_tree: Mapped[bool] = mapped_column(Boolean, default=True)
    # no foreign key: entries are stamped before the epoch row is written (same transaction)
    epoch: Mapped[int | None] = mapped_column(BigInteger, index=True)


class Epoch(Base):
    """A settlement: the Merkle root of cumulative entitlements and its posting on-chain."""

    __tablename__ = "epochs"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[str] = mapped_column(String(66))
    total: Mapped[int] = mapped_column(Wei)
    leaf_count: Mapped[int] = mapped_column(Integer)
    uri: Mapped[str] = mapped_column(String(512), default="")
    # the chain block the settlement looked at (tokens minted up to it, style states at it)
    as_of_block: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=EpochStatus.BUILT)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    posted_block: Mapped[int | None] = mapped_column(BigInteger)
    built_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    posted_at: Mapped[datetime | None] = mapped_column(DateTime)


class EpochLeaf(Base):
    """One account's cumulative entitlement in an epoch and its proof.

    ``proof`` is the concatenation of the 32-byte sibling hashes (compact: 32 bytes a node);
    ``proof_hex`` gives the list the contract's ``claim`` takes.
    """

    __tablename__ = "epoch_leaves"

    epoch: Mapped[int] = mapped_column(
        ForeignKey("epochs.number", ondelete="CASCADE"), primary_key=True
    )
    account: Mapped[str] = mapped_column(String(42), primary_key=True)
    cumulative: Mapped[int] = mapped_column(Wei)
    tree_index: Mapped[int] = mapped_column(Integer)
    proof: Mapped[bytes] = mapped_column(LargeBinary)

    @property
    def proof_hex(self) -> list[str]:
        return proof_to_hex(self.proof)


def proof_to_hex(proof: bytes) -> list[str]:
    """Split a stored proof into the 0x-prefixed 32-byte hashes ``claim`` takes."""
    return ["0x" + proof[i : i + 32].hex() for i in range(0, len(proof), 32)]
