"""ledger tables: render queue, renders, attributions, ledger entries, epochs and their leaves

Revision ID: 0002_ledger
Revises: 0001_chain
Create Date: 2026-11-25 03:13:26.289693
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import indexer.db.types

revision: str = "0002_ledger"
down_revision: str | Sequence[str] | None = "0001_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "epochs",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("total", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("leaf_count", sa.Integer(), nullable=False),
        sa.Column("uri", sa.String(length=512), nullable=False),
        sa.Column("as_of_block", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("posted_block", sa.BigInteger(), nullable=True),
        sa.Column(
            "built_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_table(
        "epoch_leaves",
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("cumulative", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("tree_index", sa.Integer(), nullable=False),
        sa.Column("proof", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["epoch"], ["epochs.number"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("epoch", "account"),
    )
    op.create_table(
        "attributions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.Column("area", sa.Float(), nullable=False),
        sa.Column("intensity", sa.Float(), nullable=False),
        sa.Column("contribution", sa.Float(), nullable=False),
        sa.Column("ppm", sa.Integer(), nullable=False),
        sa.Column("style_id", sa.BigInteger(), nullable=True),
        sa.Column("style_status", sa.String(length=16), nullable=True),
        sa.Column("payee", sa.String(length=42), nullable=True),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.token_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_id", "word"),
    )
    with op.batch_alter_table("attributions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attributions_token_id"), ["token_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=True),
        sa.Column("deposit_key", sa.String(length=96), nullable=True),
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("style_id", sa.BigInteger(), nullable=True),
        sa.Column("ppm", sa.Integer(), nullable=True),
        sa.Column("amount", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("in_tree", sa.Boolean(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.token_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_account", ["account"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_deposit_key"), ["deposit_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_epoch"), ["epoch"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_token_id"), ["token_id"], unique=False)
        batch_op.create_index("ix_ledger_unsettled", ["epoch", "in_tree"], unique=False)

    op.create_table(
        "render_jobs",
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("worker_id", sa.String(length=128), nullable=True),
        sa.Column("lease_until", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.token_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_id"),
    )
    with op.batch_alter_table("render_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_render_jobs_status"), ["status"], unique=False)

    op.create_table(
        "renders",
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("pixel_hash", sa.String(length=66), nullable=False),
        sa.Column("image_path", sa.String(length=256), nullable=False),
        sa.Column("image_sha256", sa.String(length=66), nullable=False),
        sa.Column("heatmap_dir", sa.String(length=256), nullable=True),
        sa.Column("model_id", sa.String(length=66), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("worker_id", sa.String(length=128), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column(
            "rendered_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.token_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_id"),
    )


def downgrade() -> None:
    op.drop_table("renders")
    with op.batch_alter_table("render_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_render_jobs_status"))

    op.drop_table("render_jobs")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_unsettled")
        batch_op.drop_index(batch_op.f("ix_ledger_entries_token_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_project_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_epoch"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_deposit_key"))
        batch_op.drop_index("ix_ledger_account")

    op.drop_table("ledger_entries")
    with op.batch_alter_table("attributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attributions_token_id"))

    op.drop_table("attributions")
    op.drop_table("epoch_leaves")
    op.drop_table("epochs")
