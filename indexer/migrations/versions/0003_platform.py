"""platform: ArtCore's recipient history (PlatformRecipientUpdated) and withdrawals

Revision ID: 0003_platform
Revises: 0002_ledger
Create Date: 2026-11-29 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import indexer.db.types

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


def downgrade() -> None:
    with op.batch_alter_table("platform_withdrawals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_withdrawals_block_number"))
    op.drop_table("platform_withdrawals")
    with op.batch_alter_table("platform_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_recipients_valid_from_pos"))
        batch_op.drop_index(batch_op.f("ix_platform_recipients_block_number"))
    op.drop_table("platform_recipients")
