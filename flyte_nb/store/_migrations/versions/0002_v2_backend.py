"""v2: projects and domains, stored specs for the backend, the tasks registry.

- ``runs.project``/``runs.domain`` with server defaults, so every existing run lands in
  ``default``/``development`` without a data migration; an index serves the backend's
  "runs of a project and domain, newest first" listing.
- ``runs.spec``/``actions.spec``: JSON the backend writes so a restarted server can resume
  a run. ``actions.spec`` is appended last because the recorder writes action rows as
  positional tuples in table order (``ActionState.COLUMNS``).
- ``tasks``: registered task versions, keyed like Flyte's task identifiers.
- ``schema_info`` goes: ``alembic_version`` now says which schema a database holds.

Columns are added through ``batch_alter_table``: on SQLite the adds are plain
``ALTER TABLE ... ADD COLUMN`` (no table copy), on PostgreSQL plain ALTERs.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(
            sa.Column("project", sa.String(64), nullable=False, server_default="default")
        )
        batch.add_column(
            sa.Column("domain", sa.String(64), nullable=False, server_default="development")
        )
        batch.add_column(sa.Column("spec", sa.Text, nullable=True))
        batch.create_index("ix_runs_project_domain_created_at", ["project", "domain", "created_at"])
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("spec", sa.Text, nullable=True))
    op.create_table(
        "tasks",
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("spec", sa.Text, nullable=True),
        sa.Column("interface", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("project", "domain", "name", "version"),
    )
    op.drop_table("schema_info")


def downgrade() -> None:
    schema_info = op.create_table(
        "schema_info",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.bulk_insert(schema_info, [{"key": "schema_version", "value": "1"}])
    op.drop_table("tasks")
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("spec")
    with op.batch_alter_table("runs") as batch:
        batch.drop_index("ix_runs_project_domain_created_at")
        batch.drop_column("spec")
        batch.drop_column("domain")
        batch.drop_column("project")
