"""regional platform, primary-care platform and the HIS status service (seeds/004)

Revision ID: 0011_regional
Revises: 0005 (a branch of its own: ``Database.migrate`` upgrades all heads)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_regional"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regional_tokens",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("app_id", sa.String(64), nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False, index=True),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "regional_exams",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hospital_code", sa.String(32), nullable=False),
        sa.Column("exam_no", sa.String(32), nullable=False),
        sa.Column("apply_no", sa.String(32), nullable=False, index=True),
        sa.Column("patient_id", sa.String(32), nullable=False, index=True),
        sa.Column("sick_id", sa.String(32), nullable=False, index=True),
        sa.Column("inpatient_no", sa.String(32), index=True),
        sa.Column("outpatient_no", sa.String(32), index=True),
        sa.Column("patient_name", sa.String(64), nullable=False),
        sa.Column("exam_class", sa.String(32), nullable=False),
        sa.Column("exam_date", sa.String(10), nullable=False, index=True),
        sa.Column("exam_status", sa.String(2), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("linked_apply", sa.String(32)),
        sa.Column("notified", sa.JSON, nullable=False),
        sa.Column("pushed_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_regional_exams_key", "regional_exams", ["hospital_code", "exam_no"], unique=True)
    op.create_table(
        "regional_statistics",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hospital_code", sa.String(32), nullable=False),
        sa.Column("exam_date", sa.String(10), nullable=False),
        sa.Column("exam_class", sa.String(32), nullable=False),
        sa.Column("accord_count", sa.Integer, nullable=False),
        sa.Column("uploaded_by", sa.String(32), nullable=False),
        sa.Column("uploaded_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_regional_statistics_key", "regional_statistics", ["hospital_code", "exam_date", "exam_class"],
                    unique=True)
    op.create_table(
        "syninfo_applies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("apply_no", sa.String(32), nullable=False, unique=True),
        sa.Column("hospital_code", sa.String(48)),
        sa.Column("sick_no", sa.String(64), nullable=False, index=True),
        sa.Column("patient_name", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("history", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "his_status_received",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hospital", sa.String(32), nullable=False, index=True),
        sa.Column("exam_no", sa.String(64)),
        sa.Column("apply_no", sa.String(64), index=True),
        sa.Column("status_code", sa.String(8)),
        sa.Column("accepted", sa.Integer, nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "jiwei_forms",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("yyid00", sa.String(32), nullable=False),
        sa.Column("medicarecode", sa.String(64), nullable=False),
        sa.Column("applycode", sa.String(64), nullable=False),
        sa.Column("businesstype", sa.String(2), nullable=False),
        sa.Column("type", sa.String(2), nullable=False),
        sa.Column("form", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_jiwei_forms_key", "jiwei_forms", ["yyid00", "applycode"], unique=True)
    op.create_index("ix_jiwei_forms_patient", "jiwei_forms", ["yyid00", "medicarecode"])


def downgrade() -> None:
    for table in ("jiwei_forms", "his_status_received", "syninfo_applies", "regional_statistics", "regional_exams",
                  "regional_tokens"):
        op.drop_table(table)
