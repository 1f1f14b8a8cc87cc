"""DICOM networking: archive registrations, instances received by the storage SCPs

Revision ID: 0004_dicom
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_dicom"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_exams",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("study_uid", sa.String(64), nullable=False, unique=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("accession", sa.String(64), nullable=False),
        sa.Column("hospital_code", sa.String(30)),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("registered_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "dicom_stored",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("store", sa.String(32), nullable=False),
        sa.Column("calling_ae", sa.String(16), nullable=False),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("accession", sa.String(64)),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("series_uid", sa.String(64), nullable=False),
        sa.Column("sop_uid", sa.String(64), nullable=False),
        sa.Column("sop_class", sa.String(64), nullable=False),
        sa.Column("series_number", sa.Integer),
        sa.Column("instance_number", sa.Integer),
        sa.Column("transfer_syntax", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_dicom_stored_sop", "dicom_stored", ["store", "sop_uid"], unique=True)
    op.create_index("ix_dicom_stored_study", "dicom_stored", ["store", "study_uid"])


def downgrade() -> None:
    op.drop_index("ix_dicom_stored_study", "dicom_stored")
    op.drop_index("ix_dicom_stored_sop", "dicom_stored")
    op.drop_table("dicom_stored")
    op.drop_table("archive_exams")
