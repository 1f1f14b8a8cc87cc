"""hospital files: which hospital produced which file, of which type (issue 9: a hospital serves
only its own files, each under its own type)

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hospital_files",
        sa.Column("hospital_code", sa.String(30), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("ext", sa.String(8), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hospital_files")
