"""v4: the ``launch_plans`` table (registered launch plan versions).

A new table only, so no existing row changes. The primary key (project, domain, name,
version) serves every read: by version, the latest of a name, or the active one of a name
(a name has few versions, so the ``active`` flag needs no index of its own).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "launch_plans",
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("workflow_name", sa.String(256), nullable=False),
        sa.Column("workflow_version", sa.String(128), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("project", "domain", "name", "version"),
    )


def downgrade() -> None:
    op.drop_table("launch_plans")
