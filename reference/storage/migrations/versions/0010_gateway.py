"""the gateway (seeds/001): collected exams, plug-in sessions, reminders, collection cursors

Revision ID: 0010_gateway
Revises: 0005 (a branch of its own: ``Database.migrate`` upgrades all heads)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_gateway"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gateway_exams",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hospital_code", sa.String(30), nullable=False),
        sa.Column("exam_no", sa.String(50), nullable=False),
        sa.Column("accession", sa.String(64), nullable=False),
        sa.Column("study_uid", sa.String(64)),
        sa.Column("hi_img_indx", sa.String(100)),
        sa.Column("modality", sa.String(16)),
        sa.Column("patient_name", sa.String(50)),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("instances", sa.Integer, nullable=False),
        sa.Column("pdf_sha256", sa.String(64)),
        sa.Column("zip_sha256", sa.String(64)),
        sa.Column("centre_code", sa.String(30)),
        sa.Column("upload", sa.JSON),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("deleted_at", sa.DateTime),
    )
    op.create_index("ux_gateway_exams_exam", "gateway_exams", ["hospital_code", "exam_no"], unique=True)
    op.create_index("ix_gateway_exams_accession", "gateway_exams", ["hospital_code", "accession"])
    op.create_table(
        "gateway_sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("his_user_id", sa.String(64), nullable=False, index=True),
        sa.Column("hospital_code", sa.String(30), nullable=False),
        sa.Column("doctor", sa.JSON, nullable=False),
        sa.Column("login_at", sa.DateTime, nullable=False),
        sa.Column("logout_at", sa.DateTime),
    )
    op.create_table(
        "gateway_reminders",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("his_user_id", sa.String(64), nullable=False),
        sa.Column("hospital_code", sa.String(30), nullable=False),
        sa.Column("patient_name", sa.String(50)),
        sa.Column("exams", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "gateway_cursors",
        sa.Column("hospital_code", sa.String(30), primary_key=True),
        sa.Column("until", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("gateway_cursors", "gateway_reminders", "gateway_sessions", "gateway_exams"):
        op.drop_table(table)
