"""The v1 schema: what the issue-2 recorder created (runs, actions, logs, cache, schema_info).

Spelled out table by table instead of created from ``_schema.metadata``: the live metadata
keeps changing, a revision must not. Databases created before alembic hold exactly this
schema and are stamped with this revision (``_migrate.upgrade``).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("run_name", sa.String(128), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("parent", sa.String(128)),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("task_name", sa.String(256), nullable=False),
        sa.Column("short_name", sa.String(256), nullable=False),
        sa.Column("group_name", sa.String(256)),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("cache_hit", sa.Boolean, nullable=False),
        sa.Column("cache_key", sa.String(128)),
        sa.Column("inputs", sa.Text),
        sa.Column("outputs", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("transitions", sa.Text, nullable=False),
        sa.Column("attempt_log", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_name", "name"),
    )
    op.create_table(
        "cache_entries",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("task_name", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("outputs", sa.Text, nullable=False),
        sa.Column("run_name", sa.String(128), nullable=False),
        sa.Column("action_name", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_cache_task_version", "cache_entries", ["task_name", "version"])
    op.create_table(
        "logs",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("run_name", sa.String(128), nullable=False),
        sa.Column("action_name", sa.String(128), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("stream", sa.String(8), nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_logs_action", "logs", ["run_name", "action_name", "id"])
    op.create_table(
        "runs",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("task_name", sa.String(256), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("inputs", sa.Text),
        sa.Column("outputs", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("action_count", sa.Integer, nullable=False),
        sa.Column("owner_host", sa.String(256)),
        sa.Column("owner_pid", sa.Integer),
        sa.Column("owner_started", sa.String(64)),
        sa.Column("env_vars", sa.Text),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_runs_created_at", "runs", ["created_at"])
    op.create_index("ix_runs_phase", "runs", ["phase"])
    schema_info = op.create_table(
        "schema_info",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.bulk_insert(schema_info, [{"key": "schema_version", "value": "1"}])


def downgrade() -> None:
    for table in ("schema_info", "runs", "logs", "cache_entries", "actions"):
        op.drop_table(table)
