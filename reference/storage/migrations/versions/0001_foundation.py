"""foundation: exchanges, index records, messages, blobs

Revision ID: 0001
Revises:
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("time", sa.DateTime, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("transport", sa.String(8), nullable=False),
        sa.Column("party", sa.String(32)),
        sa.Column("family", sa.String(32)),
        sa.Column("operation", sa.String(64)),
        sa.Column("institution", sa.String(64)),
        sa.Column("method", sa.String(16)),
        sa.Column("url", sa.Text),
        sa.Column("status", sa.Integer),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("duration_ms", sa.Float),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
    )
    op.create_index("ix_exchanges_time", "exchanges", ["time"])
    op.create_index("ix_exchanges_operation", "exchanges", ["operation"])
    op.create_index("ix_exchanges_institution", "exchanges", ["institution"])
    op.create_index("ix_exchanges_verdict", "exchanges", ["verdict"])
    op.create_index("ix_exchanges_family_time", "exchanges", ["family", "time"])
    op.create_table(
        "index_records",
        sa.Column("hi_img_indx", sa.String(100), primary_key=True),
        sa.Column("inf_code", sa.String(30), nullable=False),
        sa.Column("fixmedins_code", sa.String(30)),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("row", sa.JSON, nullable=False),
        sa.Column("msgid", sa.String(50), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("deleted_at", sa.DateTime),
    )
    op.create_index("ix_index_records_inf_code", "index_records", ["inf_code"])
    op.create_table(
        "messages",
        sa.Column("msgid", sa.String(50), primary_key=True),
        sa.Column("inf_code", sa.String(30), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("blobs", "messages", "index_records", "exchanges"):
        op.drop_table(table)
