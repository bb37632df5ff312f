"""v5: gate signals and schedule state.

New tables only. ``signals`` holds one row per gate signal of a run (primary key
(run_name, name) serves the reads: a run's signals, or one by name). ``schedule_state``
remembers each launch plan's last fire time so a restarted backend does not fire twice.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("run_name", sa.String(128), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("action_name", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("set_at", sa.Float),
        sa.Column("set_by", sa.String(256)),
        sa.PrimaryKeyConstraint("run_name", "name"),
    )
    op.create_table(
        "schedule_state",
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("last_fire_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("project", "domain", "name"),
    )


def downgrade() -> None:
    op.drop_table("schedule_state")
    op.drop_table("signals")
