"""v6: artifact versions, their partitions, and which runs consumed them.

New tables only, so no existing row changes. ``artifacts`` is keyed by (project, domain,
name, version); its second index serves "the newest versions of a name" and the third
"what did this run produce". ``artifact_partitions`` repeats each version's partition
pairs one per row so a partition filter is an index probe on both SQLite and PostgreSQL.
``artifact_consumptions`` is keyed by (run_name, input), one consumed version per input of
a run, and indexed by version for "who read this version".

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "artifacts",
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("partitions", sa.Text, nullable=False),
        sa.Column("time_partition", sa.Float),
        sa.Column("granularity", sa.String(8)),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("type", sa.String(256), nullable=False),
        sa.Column("run_name", sa.String(128)),
        sa.Column("action_name", sa.String(128)),
        sa.Column("output", sa.String(128)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("short_description", sa.Text),
        sa.Column("card", sa.Text),
        sa.PrimaryKeyConstraint("project", "domain", "name", "version"),
    )
    op.create_index(
        "ix_artifacts_key_created_at", "artifacts", ["project", "domain", "name", "created_at"]
    )
    op.create_index("ix_artifacts_run_name", "artifacts", ["run_name"])
    op.create_table(
        "artifact_partitions",
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.PrimaryKeyConstraint("project", "domain", "name", "version", "key"),
    )
    op.create_index(
        "ix_artifact_partitions_value",
        "artifact_partitions",
        ["project", "domain", "name", "key", "value"],
    )
    op.create_table(
        "artifact_consumptions",
        sa.Column("run_name", sa.String(128), nullable=False),
        sa.Column("input", sa.String(128), nullable=False),
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("consumed_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("run_name", "input"),
    )
    op.create_index(
        "ix_artifact_consumptions_version",
        "artifact_consumptions",
        ["project", "domain", "name", "version"],
    )


def downgrade() -> None:
    op.drop_table("artifact_consumptions")
    op.drop_table("artifact_partitions")
    op.drop_table("artifacts")
