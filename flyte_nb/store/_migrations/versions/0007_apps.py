"""v7: apps and their logs.

New tables only. ``apps`` holds one row per deployed app (primary key project, domain,
name): its spec, the supervisor's state and the state the user asked for, so a restarted
backend knows which apps to bring back. ``app_logs`` keeps the lines app processes print,
read per app after an id cursor (index ``ix_app_logs_app``).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apps",
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("desired", sa.String(16), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("version", sa.String(128)),
        sa.Column("resolved", sa.Text),
        sa.Column("port", sa.Integer, nullable=False),
        sa.Column("restarts", sa.Integer, nullable=False),
        sa.Column("owner_host", sa.String(256)),
        sa.Column("owner_pid", sa.Integer),
        sa.Column("owner_started", sa.String(64)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("deployed_at", sa.Float, nullable=False),
        sa.Column("active_at", sa.Float),
        sa.PrimaryKeyConstraint("project", "domain", "name"),
    )
    op.create_table(
        "app_logs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("stream", sa.String(8), nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_app_logs_app", "app_logs", ["project", "domain", "name", "id"])


def downgrade() -> None:
    op.drop_index("ix_app_logs_app", table_name="app_logs")
    op.drop_table("app_logs")
    op.drop_table("apps")
