"""province cloud (seeds/003): tokens, auth state, exams, instances, projects, records

Revision ID: 0005
Revises: 0003 (a branch of its own: families may branch, ``Database.migrate`` upgrades all heads)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "province_tokens",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("uid", sa.String(100), nullable=False, index=True),
        sa.Column("issued_at", sa.DateTime, nullable=False, index=True),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "province_auth",
        sa.Column("uid", sa.String(100), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime),
    )
    op.create_table(
        "province_exams",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("exam_id", sa.String(32), nullable=False, unique=True),
        sa.Column("hospital_code", sa.String(60), nullable=False),
        sa.Column("access_number", sa.String(100), nullable=False),
        sa.Column("id_card_no", sa.String(64), index=True),
        sa.Column("patient_name", sa.String(50), nullable=False),
        sa.Column("study_uid", sa.Text, nullable=False),
        sa.Column("exam_project_code", sa.String(20), nullable=False),
        sa.Column("check_time", sa.DateTime, index=True),
        sa.Column("row", sa.JSON, nullable=False),
        sa.Column("pdf_sha256", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_province_exams_key", "province_exams", ["hospital_code", "access_number"], unique=True)
    op.create_table(
        "province_instances",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("exam_pk", sa.Integer, nullable=False, index=True),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("series_uid", sa.String(64), nullable=False),
        sa.Column("sop_uid", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_province_instances_sop", "province_instances", ["exam_pk", "sop_uid"], unique=True)
    op.create_table(
        "province_projects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hospital_code", sa.String(60), nullable=False),
        sa.Column("project_item_code", sa.String(50), nullable=False),
        sa.Column("item", sa.JSON, nullable=False),
        sa.Column("standard_codes", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_province_projects_key", "province_projects", ["hospital_code", "project_item_code"], unique=True)
    op.create_table(
        "province_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("uid", sa.String(100), nullable=False),
        sa.Column("exam_id", sa.String(99), nullable=False, index=True),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("province_records", "province_projects", "province_instances", "province_exams",
                  "province_auth", "province_tokens"):
        op.drop_table(table)
