"""first hour (issue 14): the sandbox's own state (the demo world seeded on first start) and the
training mode's progress per trainee and lesson

Revision ID: 0014_first_hour
Revises: 0005 (a branch of its own: ``Database.migrate`` upgrades all heads)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_first_hour"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sandbox_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "training_progress",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("trainee", sa.String(64), nullable=False, index=True),
        sa.Column("lesson", sa.String(64), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("since", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("history", sa.JSON, nullable=False),
        sa.Column("last", sa.JSON),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_training_progress_key", "training_progress", ["trainee", "lesson"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_training_progress_key", "training_progress")
    op.drop_table("training_progress")
    op.drop_table("sandbox_state")
