"""exchange uid: a stable id returned to the caller in the X-Imgcloud-Exchange header

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exchanges") as batch:
        batch.add_column(sa.Column("uid", sa.String(32)))
        batch.create_index("ix_exchanges_uid", ["uid"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("exchanges") as batch:
        batch.drop_index("ix_exchanges_uid")
        batch.drop_column("uid")
