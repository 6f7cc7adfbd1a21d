"""Chain tables: the sync cursor, recent block hashes, raw logs and the projections built from them.

Rollback rule (what makes reorgs exact and cheap). Every row records the block that wrote it
(``block_number``), and the only in-place changes are few and recorded too:

* ``styles`` and ``projects`` hold the current state; each change also appends a version row
  (``style_versions``, ``project_versions``, ``style_keywords``) valid over
  ``[valid_from_pos, valid_to_pos)``. Rolling back to block ``B`` deletes rows written after
  ``B``, re-opens versions closed after ``B`` and rebuilds the current rows from the last version
  left.
* ``tokens.owner`` follows ``token_transfers``; a root's veto is stamped with its block.

A *position* orders every log on the chain: ``pos = block_number << 20 | log_index``
(:func:`log_pos`). "State as of a mint" means every version with ``valid_from_pos < pos`` and
``valid_to_pos`` NULL or ``> pos``: exactly what the contract saw when the mint ran.

Addresses are checksummed strings; hashes and bytes are 0x-prefixed lower-case hex; wei and
other uint256 amounts are :class:`~indexer.db.types.Wei` (exact ints).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from indexer.db.base import Base
from indexer.db.types import BigIntPK, Wei

LOG_INDEX_BITS = 20

# styles.status
ACTIVE, OPTED_OUT, SUSPENDED = "active", "opted_out", "suspended"


def log_pos(block_number: int, log_index: int) -> int:
    """The position of a log on the chain: block-major, log-index-minor, one integer."""
    if not 0 <= log_index < 1 << LOG_INDEX_BITS:
        raise ValueError(f"log index {log_index} out of range")
    return block_number << LOG_INDEX_BITS | log_index


def block_end_pos(block_number: int) -> int:
    """A position after every log of ``block_number`` (state at the end of that block)."""
    return (block_number + 1) << LOG_INDEX_BITS


def style_status(opted_out: bool, suspended: bool) -> str:
    """Opted out wins (no attribution at all); else suspended (shares held); else active."""
    if opted_out:
        return OPTED_OUT
    return SUSPENDED if suspended else ACTIVE


# ─────────────────────────────────────────── sync state ───────────────────────────────────────────


class SyncCursor(Base):
    """Where the sync of one deployment stands: every block below ``next_block`` is indexed."""

    __tablename__ = "sync_cursor"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # the three contract addresses, lower-case, comma-separated: a database follows one deployment
    deployment_key: Mapped[str] = mapped_column(String(200))
    deploy_block: Mapped[int] = mapped_column(BigInteger)
    next_block: Mapped[int] = mapped_column(BigInteger)
    # the head seen at the last chunk (for progress reports)
    head_block: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )


class ChainBlock(Base):
    """The hash of a recent indexed block (chunk ends and blocks with logs), to detect reorgs."""

    __tablename__ = "chain_blocks"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(66))
    parent_hash: Mapped[str | None] = mapped_column(String(66))


class RawLog(Base):
    """Every log of the deployment's contracts, as the node sent it (plus the event's name).

    Decoded values live in the projections; ``indexer.chain.decode.LogDecoder.decode_row`` decodes a
    stored row again on demand.
    """

    __tablename__ = "raw_logs"
    # a log's key on the chain: (block, log index). The one index serves rollback's
    # ``block_number >`` too (hot table: one small index, not two; see migration 0006)
    __table_args__ = (
        UniqueConstraint("block_number", "log_index", name="uq_raw_logs_block_number_log_index"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(String(66))
    tx_hash: Mapped[str] = mapped_column(String(66))
    tx_index: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(42))
    contract: Mapped[str] = mapped_column(String(32))
    # "" when the topic is not in the contract's ABI
    event: Mapped[str] = mapped_column(String(64))
    topic0: Mapped[str | None] = mapped_column(String(66))
    topic1: Mapped[str | None] = mapped_column(String(66))
    topic2: Mapped[str | None] = mapped_column(String(66))
    topic3: Mapped[str | None] = mapped_column(String(66))
    data: Mapped[str] = mapped_column(Text)

    @property
    def topics(self) -> list[str]:
        return [t for t in (self.topic0, self.topic1, self.topic2, self.topic3) if t is not None]


class _LogRef:
    """The log that wrote a projection row (its block number is what rollback deletes by)."""

    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = mapped_column(Integer)


class _Version:
    """A version of an entity, in force over ``[valid_from_pos, valid_to_pos)`` (NULL: still)."""

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # the event that made this version
    event: Mapped[str] = mapped_column(String(64))
    valid_from_pos: Mapped[int] = mapped_column(BigInteger)
    valid_to_pos: Mapped[int | None] = mapped_column(BigInteger, index=True)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = mapped_column(Integer)


# ───────────────────────────────────────────── styles ─────────────────────────────────────────────


class _StyleState:
    """A style's fields, shared by the current row and its versions."""

    owner: Mapped[str] = mapped_column(String(42))
    name: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    payout: Mapped[str] = mapped_column(String(42))
    pending_payout: Mapped[str | None] = mapped_column(String(42))
    pending_payout_effective_at: Mapped[int | None] = mapped_column(BigInteger)
    metadata_uri: Mapped[str] = mapped_column(Text)
    opted_out: Mapped[bool] = mapped_column(Boolean)
    suspended: Mapped[bool] = mapped_column(Boolean)
    # the reason given with the last suspension, reinstatement or keyword revocation
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    # the style adapter learned from the artist's consented works (StyleAdapterSet): its id (the
    # model-id rule over its weight files), the StandardMerkleTree root of the works' sha256 and
    # the URI of their list; NULL, NULL, "" while the style has none (never set, or cleared)
    adapter_id: Mapped[str | None] = mapped_column(String(66), default=None)
    works_root: Mapped[str | None] = mapped_column(String(66), default=None)
    works_uri: Mapped[str] = mapped_column(Text, default="", server_default="")


STYLE_STATE_FIELDS = (
    "owner",
    "name",
    "keywords",
    "payout",
    "pending_payout",
    "pending_payout_effective_at",
    "metadata_uri",
    "opted_out",
    "suspended",
    "reason",
    "status",
    "adapter_id",
    "works_root",
    "works_uri",
)


class Style(_StyleState, Base):
    """A registered style as it stands now (at the sync cursor)."""

    __tablename__ = "styles"

    style_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    registered_block: Mapped[int] = mapped_column(BigInteger, index=True)
    registered_tx: Mapped[str] = mapped_column(String(66))
    updated_block: Mapped[int] = mapped_column(BigInteger, index=True)


class StyleVersion(_Version, _StyleState, Base):
    """A style as it stood over ``[valid_from_pos, valid_to_pos)``, after the event ``event``."""

    __tablename__ = "style_versions"
    __table_args__ = (Index("ix_style_versions_style_pos", "style_id", "valid_from_pos"),)

    style_id: Mapped[int] = mapped_column(ForeignKey("styles.style_id", ondelete="CASCADE"))


class StyleKeyword(Base):
    """Style ``style_id`` held ``keyword`` over ``[valid_from_pos, valid_to_pos)``."""

    __tablename__ = "style_keywords"
    __table_args__ = (Index("ix_style_keywords_keyword_pos", "keyword", "valid_from_pos"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    keyword: Mapped[str] = mapped_column(String(32))
    style_id: Mapped[int] = mapped_column(ForeignKey("styles.style_id", ondelete="CASCADE"))
    valid_from_pos: Mapped[int] = mapped_column(BigInteger)
    valid_to_pos: Mapped[int | None] = mapped_column(BigInteger, index=True)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)


# ──────────────────────────────────────────── projects ────────────────────────────────────────────


class _ProjectState:
    """A project's fields, shared by the current row and its versions."""

    author: Mapped[str] = mapped_column(String(42))
    name: Mapped[str] = mapped_column(Text)
    prompt: Mapped[str] = mapped_column(Text)
    model_id: Mapped[str] = mapped_column(String(66))
    steps: Mapped[int] = mapped_column(Integer)
    guidance_x100: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    scheduler: Mapped[str] = mapped_column(String(64))
    price: Mapped[int] = mapped_column(Wei)
    max_supply: Mapped[int] = mapped_column(Wei)
    active: Mapped[bool] = mapped_column(Boolean)  # the author's flag (ProjectActiveUpdated)
    # the owner's moderation pause (ProjectModerated): a project mints when active and not this
    moderated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    preview_mint: Mapped[bool] = mapped_column(Boolean)
    # the EIP-2981 receiver clone and rate (set by ProjectRoyaltyUpdated right after creation)
    royalty_receiver: Mapped[str | None] = mapped_column(String(42))
    royalty_bps: Mapped[int] = mapped_column(Integer, default=0)
    # the style adapters it renders with, in loading order (ProjectAdaptersUpdated): adapter ids
    adapters: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")


PROJECT_STATE_FIELDS = (
    "author",
    "name",
    "prompt",
    "model_id",
    "steps",
    "guidance_x100",
    "width",
    "height",
    "scheduler",
    "price",
    "max_supply",
    "active",
    "moderated",
    "preview_mint",
    "royalty_receiver",
    "royalty_bps",
    "adapters",
)


class Project(_ProjectState, Base):
    """A project as it stands now (at the sync cursor)."""

    __tablename__ = "projects"

    project_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_block: Mapped[int] = mapped_column(BigInteger, index=True)
    created_tx: Mapped[str] = mapped_column(String(66))
    updated_block: Mapped[int] = mapped_column(BigInteger, index=True)


class ProjectVersion(_Version, _ProjectState, Base):
    """A project as it stood over ``[valid_from_pos, valid_to_pos)``, after the event ``event``."""

    __tablename__ = "project_versions"
    __table_args__ = (Index("ix_project_versions_project_pos", "project_id", "valid_from_pos"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.project_id", ondelete="CASCADE"))


class PlatformFee(Base):
    """ArtCore's platform share in basis points from ``valid_from_pos`` on (history of changes)."""

    __tablename__ = "platform_fees"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    bps: Mapped[int] = mapped_column(Integer)
    valid_from_pos: Mapped[int] = mapped_column(BigInteger, index=True)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)


class PlatformRecipient(Base):
    """ArtCore's platform recipient from ``valid_from_pos`` on (history of changes): it withdraws
    the platform's balance, and the tree pays it the platform's part of royalties."""

    __tablename__ = "platform_recipients"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(42))
    valid_from_pos: Mapped[int] = mapped_column(BigInteger, index=True)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)


# ───────────────────────────────────────────── tokens ─────────────────────────────────────────────


class Token(_LogRef, Base):
    """A minted token: what its render and its sale's split need, from the Mint log."""

    __tablename__ = "tokens"
    # keyed by token id (the raw log carries the log's unique key); few indexes: hot table
    __table_args__ = (Index("ix_tokens_project_invocation", "project_id", "invocation"),)

    token_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.project_id", ondelete="CASCADE"))
    invocation: Mapped[int] = mapped_column(BigInteger)
    # current owner (follows Transfer logs); minter = the Mint's recipient
    owner: Mapped[str] = mapped_column(String(42), index=True)
    minter: Mapped[str] = mapped_column(String(42))
    hash: Mapped[str] = mapped_column(String(66))
    # the preview seed of mintWithSeed (MintedWithSeed), else NULL
    seed: Mapped[int | None] = mapped_column(Wei)
    price: Mapped[int] = mapped_column(Wei)
    platform_bps: Mapped[int] = mapped_column(Integer)
    platform_amount: Mapped[int] = mapped_column(Wei)
    creator_pool: Mapped[int] = mapped_column(Wei)
    # log position of the Mint (for state-as-of-the-mint queries)
    pos: Mapped[int] = mapped_column(BigInteger)


class TokenTransfer(_LogRef, Base):
    """An ERC-721 Transfer after the mint (a mint's own Transfer is the token row)."""

    __tablename__ = "token_transfers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    token_id: Mapped[int] = mapped_column(BigInteger, index=True)
    from_address: Mapped[str] = mapped_column(String(42))
    to_address: Mapped[str] = mapped_column(String(42))
    pos: Mapped[int] = mapped_column(BigInteger)


# ──────────────────────────────────────────── payouts ─────────────────────────────────────────────


class Deposit(_LogRef, Base):
    """Wei received by the PayoutDistributor (``Deposited``): swept creator pools or royalties."""

    __tablename__ = "deposits"
    __table_args__ = (UniqueConstraint("block_hash", "log_index"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # "sale": creator pools swept by ArtCore (sum over tokens, traced by their Mint logs);
    # "royalty": forwarded by a project's royalty receiver (or anyone) for ``project_id``
    kind: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[int] = mapped_column(BigInteger, index=True)
    source: Mapped[str] = mapped_column(String(42))
    amount: Mapped[int] = mapped_column(Wei)
    total_deposited: Mapped[int] = mapped_column(Wei)
    pos: Mapped[int] = mapped_column(BigInteger)


class RootPost(_LogRef, Base):
    """A Merkle root posted for an epoch; vetoed_* set when a guardian vetoed it."""

    __tablename__ = "root_posts"
    __table_args__ = (UniqueConstraint("block_hash", "log_index"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    epoch: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[str] = mapped_column(String(66))
    total_cumulative: Mapped[int] = mapped_column(Wei)
    uri: Mapped[str] = mapped_column(Text)
    claimable_at: Mapped[int] = mapped_column(BigInteger)
    vetoed_block: Mapped[int | None] = mapped_column(BigInteger, index=True)
    vetoed_tx: Mapped[str | None] = mapped_column(String(66))
    veto_reason: Mapped[str | None] = mapped_column(Text)
    guardian: Mapped[str | None] = mapped_column(String(42))


class Claim(_LogRef, Base):
    """A claim paid by the PayoutDistributor."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("block_hash", "log_index"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(42), index=True)
    amount: Mapped[int] = mapped_column(Wei)
    cumulative: Mapped[int] = mapped_column(Wei)


class PlatformWithdrawal(_LogRef, Base):
    """ArtCore's platform balance paid out to ``to_address`` (``PlatformWithdrawn``)."""

    __tablename__ = "platform_withdrawals"
    __table_args__ = (UniqueConstraint("block_hash", "log_index"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    to_address: Mapped[str] = mapped_column(String(42))
    amount: Mapped[int] = mapped_column(Wei)


# Every table the sync writes (what a reorg rolls back, what a re-index rebuilds).
CHAIN_MODELS: tuple[type[Base], ...] = (
    SyncCursor,
    ChainBlock,
    RawLog,
    Style,
    StyleVersion,
    StyleKeyword,
    Project,
    ProjectVersion,
    PlatformFee,
    PlatformRecipient,
    PlatformWithdrawal,
    Token,
    TokenTransfer,
    Deposit,
    RootPost,
    Claim,
)
