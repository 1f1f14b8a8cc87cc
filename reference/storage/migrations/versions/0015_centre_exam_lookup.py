"""centre exams found by index code and centre in one index (issue 12: the image download hot path)

Every ``queryImgCaheFileSn`` / ``queryImgCahe`` finds the centre's exam by (centre, hiImgIndx).
With one index per column SQLite's planner (no statistics) took ``ix_centre_exams_centre_code``
and scanned every exam of the centre for each image served: ~1.4 ms a request at 540 exams,
growing with the centre.  An index on both columns is the one it takes.

Revision ID: 0015_centre_exam_lookup
Revises: 0005 (a branch of its own: ``Database.migrate`` upgrades all heads)
"""
from __future__ import annotations

from alembic import op

revision = "0015_centre_exam_lookup"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_centre_exams_lookup", "centre_exams", ["hi_img_indx", "centre_code"])


def downgrade() -> None:
    op.drop_index("ix_centre_exams_lookup", table_name="centre_exams")
