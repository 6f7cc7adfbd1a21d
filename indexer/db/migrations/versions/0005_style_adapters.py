"""style adapters: a style's adapter and works (StyleAdapterSet), a project's adapters

Issue 14 (DESIGN.md "Style adapters"): StyleRegistry records on a style the adapter learned from
its artist's consented works (adapter id, works root, works URI) and ArtCore the adapters a
project renders with (ProjectAdaptersUpdated). Both current rows and versions get the columns.
No contract deployed before this revision emits either event, so every existing row starts with
no adapter: NULL ids and roots, an empty works URI, an empty adapter list.

Revision ID: 0005_style_adapters
Revises: 0004_project_moderation
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_style_adapters"
down_revision: str | Sequence[str] | None = "0004_project_moderation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STYLE_TABLES = ("styles", "style_versions")
PROJECT_TABLES = ("projects", "project_versions")


def upgrade() -> None:
    for table in STYLE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("adapter_id", sa.String(length=66), nullable=True))
            batch_op.add_column(sa.Column("works_root", sa.String(length=66), nullable=True))
            batch_op.add_column(
                sa.Column("works_uri", sa.Text(), server_default="", nullable=False)
            )
    for table in PROJECT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("adapters", sa.JSON(), server_default="[]", nullable=False)
            )


def downgrade() -> None:
    for table in PROJECT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("adapters")
    for table in STYLE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("works_uri")
            batch_op.drop_column("works_root")
            batch_op.drop_column("adapter_id")
