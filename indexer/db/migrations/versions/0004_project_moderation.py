"""projects: the owner's moderation pause (ArtCore ProjectModerated), apart from the author's

Before issue 12 one flag held both pauses (ProjectActiveUpdated, sent by the author or the owner);
ArtCore now keeps them apart, so a project mints only when `active` and not `moderated`. No
earlier log carries the new event, so every existing row starts unmoderated.

Revision ID: 0004_project_moderation
Revises: 0003_platform
Create Date: 2026-11-30 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_project_moderation"
down_revision: str | Sequence[str] | None = "0003_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("projects", "project_versions")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("moderated", sa.Boolean(), server_default=sa.false(), nullable=False)
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("moderated")
