"""v3: the ``docs`` index of decks and reports, per action attempt.

A new table only, so no existing row changes and the upgrade is cheap on any database
size. The HTML itself goes to the blob store by sha256; a row holds its digest and size.
The primary key (run_name, action_name, attempt, kind, name) is also the only index:
every read asks for the docs of one run or one action.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "docs",
        sa.Column("run_name", sa.String(128), nullable=False),
        sa.Column("action_name", sa.String(128), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("run_name", "action_name", "attempt", "kind", "name"),
    )


def downgrade() -> None:
    op.drop_table("docs")
