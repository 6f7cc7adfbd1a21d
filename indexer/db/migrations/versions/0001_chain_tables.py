"""chain tables

Revision ID: 0001_chain
Revises: (none: the first revision; the ledger tables chain after it)
Create Date: 2026-11-25 03:10:35.610709
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import indexer.db.types

revision: str = "0001_chain"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "chain_blocks",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.Column("parent_hash", sa.String(length=66), nullable=True),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_table(
        "claims",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("amount", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("cumulative", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("block_hash", "log_index"),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_block_number"), ["block_number"], unique=False)

    op.create_table(
        "deposits",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=42), nullable=False),
        sa.Column("amount", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("total_deposited", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("pos", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("block_hash", "log_index"),
    )
    with op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deposits_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_deposits_project_id"), ["project_id"], unique=False)

    op.create_table(
        "platform_fees",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("bps", sa.Integer(), nullable=False),
        sa.Column("valid_from_pos", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("platform_fees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_fees_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_platform_fees_valid_from_pos"), ["valid_from_pos"], unique=False
        )

    op.create_table(
        "projects",
        sa.Column("project_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.Column("created_tx", sa.String(length=66), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.Column("author", sa.String(length=42), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("model_id", sa.String(length=66), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("guidance_x100", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("scheduler", sa.String(length=64), nullable=False),
        sa.Column("price", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("max_supply", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("preview_mint", sa.Boolean(), nullable=False),
        sa.Column("royalty_receiver", sa.String(length=42), nullable=True),
        sa.Column("royalty_bps", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id"),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projects_created_block"), ["created_block"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_projects_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "raw_logs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_index", sa.Integer(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("contract", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("topic0", sa.String(length=66), nullable=True),
        sa.Column("topic1", sa.String(length=66), nullable=True),
        sa.Column("topic2", sa.String(length=66), nullable=True),
        sa.Column("topic3", sa.String(length=66), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("block_hash", "tx_hash", "log_index"),
    )
    with op.batch_alter_table("raw_logs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_raw_logs_block_number"), ["block_number"], unique=False
        )

    op.create_table(
        "root_posts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("total_cumulative", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("claimable_at", sa.BigInteger(), nullable=False),
        sa.Column("vetoed_block", sa.BigInteger(), nullable=True),
        sa.Column("vetoed_tx", sa.String(length=66), nullable=True),
        sa.Column("veto_reason", sa.Text(), nullable=True),
        sa.Column("guardian", sa.String(length=42), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("block_hash", "log_index"),
    )
    with op.batch_alter_table("root_posts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_root_posts_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_root_posts_epoch"), ["epoch"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_root_posts_vetoed_block"), ["vetoed_block"], unique=False
        )

    op.create_table(
        "styles",
        sa.Column("style_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("registered_block", sa.BigInteger(), nullable=False),
        sa.Column("registered_tx", sa.String(length=66), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(length=42), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("payout", sa.String(length=42), nullable=False),
        sa.Column("pending_payout", sa.String(length=42), nullable=True),
        sa.Column("pending_payout_effective_at", sa.BigInteger(), nullable=True),
        sa.Column("metadata_uri", sa.Text(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("style_id"),
    )
    with op.batch_alter_table("styles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_styles_registered_block"), ["registered_block"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_styles_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "sync_cursor",
        sa.Column("chain_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("deployment_key", sa.String(length=200), nullable=False),
        sa.Column("deploy_block", sa.BigInteger(), nullable=False),
        sa.Column("next_block", sa.BigInteger(), nullable=False),
        sa.Column("head_block", sa.BigInteger(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("chain_id"),
    )
    op.create_table(
        "token_transfers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("from_address", sa.String(length=42), nullable=False),
        sa.Column("to_address", sa.String(length=42), nullable=False),
        sa.Column("pos", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("token_transfers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_token_transfers_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_token_transfers_token_id"), ["token_id"], unique=False)

    op.create_table(
        "project_versions",
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("valid_from_pos", sa.BigInteger(), nullable=False),
        sa.Column("valid_to_pos", sa.BigInteger(), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=42), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("model_id", sa.String(length=66), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("guidance_x100", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("scheduler", sa.String(length=64), nullable=False),
        sa.Column("price", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("max_supply", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("preview_mint", sa.Boolean(), nullable=False),
        sa.Column("royalty_receiver", sa.String(length=42), nullable=True),
        sa.Column("royalty_bps", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.project_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("project_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_versions_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            "ix_project_versions_project_pos", ["project_id", "valid_from_pos"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_project_versions_valid_to_pos"), ["valid_to_pos"], unique=False
        )

    op.create_table(
        "style_keywords",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("keyword", sa.String(length=32), nullable=False),
        sa.Column("style_id", sa.BigInteger(), nullable=False),
        sa.Column("valid_from_pos", sa.BigInteger(), nullable=False),
        sa.Column("valid_to_pos", sa.BigInteger(), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["style_id"], ["styles.style_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("style_keywords", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_style_keywords_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            "ix_style_keywords_keyword_pos", ["keyword", "valid_from_pos"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_style_keywords_valid_to_pos"), ["valid_to_pos"], unique=False
        )

    op.create_table(
        "style_versions",
        sa.Column("style_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("valid_from_pos", sa.BigInteger(), nullable=False),
        sa.Column("valid_to_pos", sa.BigInteger(), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=42), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("payout", sa.String(length=42), nullable=False),
        sa.Column("pending_payout", sa.String(length=42), nullable=True),
        sa.Column("pending_payout_effective_at", sa.BigInteger(), nullable=True),
        sa.Column("metadata_uri", sa.Text(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["style_id"], ["styles.style_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("style_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_style_versions_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            "ix_style_versions_style_pos", ["style_id", "valid_from_pos"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_style_versions_valid_to_pos"), ["valid_to_pos"], unique=False
        )

    op.create_table(
        "tokens",
        sa.Column("token_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        sa.Column("invocation", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(length=42), nullable=False),
        sa.Column("minter", sa.String(length=42), nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.Column("seed", indexer.db.types.Wei(precision=78, scale=0), nullable=True),
        sa.Column("price", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("platform_bps", sa.Integer(), nullable=False),
        sa.Column("platform_amount", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("creator_pool", indexer.db.types.Wei(precision=78, scale=0), nullable=False),
        sa.Column("pos", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.project_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_id"),
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_tokens_owner"), ["owner"], unique=False)
        batch_op.create_index(
            "ix_tokens_project_invocation", ["project_id", "invocation"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_tokens_project_invocation")
        batch_op.drop_index(batch_op.f("ix_tokens_owner"))
        batch_op.drop_index(batch_op.f("ix_tokens_block_number"))

    op.drop_table("tokens")
    with op.batch_alter_table("style_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_style_versions_valid_to_pos"))
        batch_op.drop_index("ix_style_versions_style_pos")
        batch_op.drop_index(batch_op.f("ix_style_versions_block_number"))

    op.drop_table("style_versions")
    with op.batch_alter_table("style_keywords", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_style_keywords_valid_to_pos"))
        batch_op.drop_index("ix_style_keywords_keyword_pos")
        batch_op.drop_index(batch_op.f("ix_style_keywords_block_number"))

    op.drop_table("style_keywords")
    with op.batch_alter_table("project_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_versions_valid_to_pos"))
        batch_op.drop_index("ix_project_versions_project_pos")
        batch_op.drop_index(batch_op.f("ix_project_versions_block_number"))

    op.drop_table("project_versions")
    with op.batch_alter_table("token_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_token_transfers_token_id"))
        batch_op.drop_index(batch_op.f("ix_token_transfers_block_number"))

    op.drop_table("token_transfers")
    op.drop_table("sync_cursor")
    with op.batch_alter_table("styles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_styles_updated_block"))
        batch_op.drop_index(batch_op.f("ix_styles_registered_block"))

    op.drop_table("styles")
    with op.batch_alter_table("root_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_root_posts_vetoed_block"))
        batch_op.drop_index(batch_op.f("ix_root_posts_epoch"))
        batch_op.drop_index(batch_op.f("ix_root_posts_block_number"))

    op.drop_table("root_posts")
    with op.batch_alter_table("raw_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_logs_block_number"))

    op.drop_table("raw_logs")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_updated_block"))
        batch_op.drop_index(batch_op.f("ix_projects_created_block"))

    op.drop_table("projects")
    with op.batch_alter_table("platform_fees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_fees_valid_from_pos"))
        batch_op.drop_index(batch_op.f("ix_platform_fees_block_number"))

    op.drop_table("platform_fees")
    with op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deposits_project_id"))
        batch_op.drop_index(batch_op.f("ix_deposits_block_number"))

    op.drop_table("deposits")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_block_number"))
        batch_op.drop_index(batch_op.f("ix_claims_account"))

    op.drop_table("claims")
    op.drop_table("chain_blocks")
