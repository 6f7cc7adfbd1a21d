"""platform: ArtCore's recipient history (PlatformRecipientUpdated) and withdrawals

A database indexed before this revision already holds these events as raw logs: the upgrade
fills the new tables from them, so nothing the indexer saw is lost.

Revision ID: 0003_platform
Revises: 0002_ledger
Create Date: 2026-11-29 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from eth_utils import to_checksum_address

import indexer.db.types
from indexer.db.models.chain import log_pos

revision: str = "0003_platform"
down_revision: str | Sequence[str] | None = "0002_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_recipients",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("recipient", sa.String(length=42), nullable=False),
        sa.Column("valid_from_pos", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("platform_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_recipients_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_platform_recipients_valid_from_pos"), ["valid_from_pos"], unique=False
        )

    op.create_table(
        "platform_withdrawals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("to_address", sa.String(length=42), nullable=False),
        sa.Column("amount", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("block_hash", "log_index"),
    )
    with op.batch_alter_table("platform_withdrawals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_withdrawals_block_number"), ["block_number"], unique=False
        )

    _backfill()


def _backfill() -> None:
    raw = sa.table(
        "raw_logs",
        *(sa.column(name) for name in ("block_number", "block_hash", "tx_hash", "log_index")),
        *(sa.column(name) for name in ("contract", "event", "topic1", "data")),
    )
    rows = op.get_bind().execute(
        sa.select(raw)
        .where(
            raw.c.contract == "ArtCore",
            raw.c.event.in_(["PlatformRecipientUpdated", "PlatformWithdrawn"]),
        )
        .order_by(raw.c.block_number, raw.c.log_index)
    )
    recipients, withdrawals = [], []
    for row in rows:
        if row.event == "PlatformRecipientUpdated":  # (address platform): the data's last 20 bytes
            recipients.append(
                {
                    "recipient": to_checksum_address("0x" + row.data[-40:]),
                    "valid_from_pos": log_pos(row.block_number, row.log_index),
                    "block_number": row.block_number,
                }
            )
        else:  # (address indexed to, uint256 amount)
            withdrawals.append(
                {
                    "to_address": to_checksum_address("0x" + row.topic1[-40:]),
                    "amount": int(row.data, 16),
                    "block_number": row.block_number,
                    "block_hash": row.block_hash,
                    "tx_hash": row.tx_hash,
                    "log_index": row.log_index,
                }
            )
    if recipients:
        op.bulk_insert(
            sa.table(
                "platform_recipients",
                sa.column("recipient"),
                sa.column("valid_from_pos"),
                sa.column("block_number"),
            ),
            recipients,
        )
    if withdrawals:
        op.bulk_insert(
            sa.table(
                "platform_withdrawals",
                sa.column("to_address"),
                sa.column("amount", indexer.db.types.Wei(precision=78, scale=0)),
                *(sa.column(n) for n in ("block_number", "block_hash", "tx_hash", "log_index")),
            ),
            withdrawals,
        )


def downgrade() -> None:
    with op.batch_alter_table("platform_withdrawals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_withdrawals_block_number"))
    op.drop_table("platform_withdrawals")
    with op.batch_alter_table("platform_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_recipients_valid_from_pos"))
        batch_op.drop_index(batch_op.f("ix_platform_recipients_block_number"))
    op.drop_table("platform_recipients")
