"""flow A: hospital PACS instances, centre exams and instances, province image cache

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pacs_instances",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hospital_code", sa.String(30), nullable=False, index=True),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("accession", sa.String(64), index=True),
        sa.Column("study_uid", sa.String(64), nullable=False, index=True),
        sa.Column("series_uid", sa.String(64), nullable=False),
        sa.Column("sop_uid", sa.String(64), nullable=False, unique=True),
        sa.Column("sop_class", sa.String(64), nullable=False),
        sa.Column("series_number", sa.Integer),
        sa.Column("instance_number", sa.Integer),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "centre_exams",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("centre_code", sa.String(30), nullable=False, index=True),
        sa.Column("hospital_code", sa.String(30), nullable=False),
        sa.Column("hi_img_indx", sa.String(100), nullable=False, index=True),
        sa.Column("accession", sa.String(64), nullable=False),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("row", sa.JSON, nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("deleted_at", sa.DateTime),
    )
    op.create_table(
        "centre_instances",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("exam_id", sa.Integer, nullable=False, index=True),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("series_uid", sa.String(64), nullable=False),
        sa.Column("sop_uid", sa.String(64), nullable=False),
        sa.Column("sop_class", sa.String(64), nullable=False),
        sa.Column("series_number", sa.Integer),
        sa.Column("instance_number", sa.Integer),
        sa.Column("dicom_sha256", sa.String(64), nullable=False),
        sa.Column("reply_sha256", sa.String(64), nullable=False),
        sa.Column("reply_size", sa.Integer, nullable=False),
    )
    op.create_index("ix_centre_instances_lookup", "centre_instances", ["exam_id", "sop_uid"], unique=True)
    op.create_table(
        "province_images",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hi_img_indx", sa.String(100), nullable=False, index=True),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("series_uid", sa.String(64), nullable=False),
        sa.Column("sop_uid", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("fetched_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_province_images_lookup", "province_images", ["hi_img_indx", "sop_uid"], unique=True)
    with op.batch_alter_table("index_records") as batch:
        batch.add_column(sa.Column("pull_status", sa.String(12)))
        batch.add_column(sa.Column("pull_findings", sa.JSON))
        batch.add_column(sa.Column("pulled_at", sa.DateTime))


def downgrade() -> None:
    with op.batch_alter_table("index_records") as batch:
        for column in ("pulled_at", "pull_findings", "pull_status"):
            batch.drop_column(column)
    for table in ("province_images", "centre_instances", "centre_exams", "pacs_instances"):
        op.drop_table(table)
