"""raw logs keyed by (block_number, log_index): one small unique index instead of two

A log's place on the chain is its block and its log index (unique within the block); the stored
``block_hash`` says which block that was. Before this revision ``raw_logs`` carried a unique
index on ``(block_hash, tx_hash, log_index)`` (two 66-character strings an entry) and a second
index on ``block_number``; the sync writes every log into both. Now one unique index on
``(block_number, log_index)`` does both jobs (its prefix serves rollback's ``block_number >``).
Measured with ``bench.indexer_sync`` (issue 15): SQLite inserts are the sync's largest cost.

Revision ID: 0006_raw_log_key
Revises: 0005_style_adapters
Create Date: 2026-12-03 20:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_raw_log_key"
down_revision: str | Sequence[str] | None = "0005_style_adapters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = "uq_raw_logs_block_number_log_index"
# The old constraint was created without a name: PostgreSQL named it itself; on SQLite the batch
# (table copy) reflects it under this naming convention.
_PG_OLD = "raw_logs_block_hash_tx_hash_log_index_key"
_BATCH_NAMES = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
_SQLITE_OLD = "uq_raw_logs_block_hash_tx_hash_log_index"


def _old_name() -> str:
    return _PG_OLD if op.get_bind().dialect.name == "postgresql" else _SQLITE_OLD


def upgrade() -> None:
    with op.batch_alter_table("raw_logs", naming_convention=_BATCH_NAMES) as batch_op:
        batch_op.drop_index("ix_raw_logs_block_number")
        batch_op.drop_constraint(_old_name(), type_="unique")
        batch_op.create_unique_constraint(NEW, ["block_number", "log_index"])


def downgrade() -> None:
    with op.batch_alter_table("raw_logs", naming_convention=_BATCH_NAMES) as batch_op:
        batch_op.drop_constraint(NEW, type_="unique")
        batch_op.create_unique_constraint(_old_name(), ["block_hash", "tx_hash", "log_index"])
        batch_op.create_index("ix_raw_logs_block_number", ["block_number"], unique=False)
