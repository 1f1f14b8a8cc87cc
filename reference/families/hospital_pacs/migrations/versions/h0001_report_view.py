"""the hospital's report table and the view View_Pacs_Text_Info (seeds/001 §4.1.1)

The PACS/RIS keeps its reports in ``pacs_exam_report`` (its own column names); peers read them
through the view ``View_Pacs_Text_Info``, whose columns are the report fields of
INTERFACES.md §4 (``reference/collection/report.py``), in that order.  Withdrawn reports
(``withdrawn = 1``) are not in the view.  The view's name is unquoted (PostgreSQL folds it, as
``SELECT * FROM View_Pacs_Text_Info`` in psql does); its column names keep their case.

Revision ID: h0001
Revises: (the first of the hospital database's own chain)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h0001"
down_revision = None
branch_labels = None
depends_on = None

#: (view column, table column, type) in the view's order
COLUMNS = (
    ("examNo", "exam_no", sa.String(50)), ("accessionNo", "accession_no", sa.String(50)),
    ("studyUid", "study_uid", sa.String(64)), ("hiImgIndx", "hi_img_indx", sa.String(100)),
    ("fixmedinsCode", "fixmedins_code", sa.String(30)), ("fixmedinsName", "fixmedins_name", sa.String(255)),
    ("patnId", "patn_id", sa.String(64)), ("psnName", "psn_name", sa.String(50)),
    ("psnCertType", "psn_cert_type", sa.String(6)), ("certno", "certno", sa.String(50)),
    ("sex", "sex", sa.String(6)), ("brdy", "brdy", sa.Date()), ("age", "age", sa.Numeric(5, 1)),
    ("tel", "tel", sa.String(50)), ("prfs", "prfs", sa.String(6)), ("patientType", "patient_type", sa.String(6)),
    ("chargeType", "charge_type", sa.String(6)), ("iptNo", "ipt_no", sa.String(30)),
    ("imgExamType", "img_exam_type", sa.String(20)), ("modality", "modality", sa.String(16)),
    ("examItemCode", "exam_item_code", sa.String(30)), ("imgExamItem", "img_exam_item", sa.String(100)),
    ("examPart", "exam_part", sa.String(500)), ("examWay", "exam_way", sa.String(50)),
    ("examDeptName", "exam_dept_name", sa.String(50)), ("examDrCode", "exam_dr_code", sa.String(50)),
    ("examDrName", "exam_dr_name", sa.String(50)), ("examInseqi", "exam_inseqi", sa.String(500)),
    ("devName", "dev_name", sa.String(200)), ("appyNo", "appy_no", sa.String(50)),
    ("appyDeptName", "appy_dept_name", sa.String(50)), ("appyDate", "appy_date", sa.DateTime()),
    ("bilgDrCode", "bilg_dr_code", sa.String(50)), ("bilgDrName", "bilg_dr_name", sa.String(50)),
    ("clncDiag", "clnc_diag", sa.Text()), ("imgDscr", "img_dscr", sa.String(3000)),
    ("diagRslt", "diag_rslt", sa.String(3000)), ("examRsltCode", "exam_rslt_code", sa.String(6)),
    ("rpotAdv", "rpot_adv", sa.String(500)), ("rpotCritVal", "rpot_crit_val", sa.String(500)),
    ("rpotNo", "rpot_no", sa.String(50)), ("rpotDrName", "rpot_dr_name", sa.String(50)),
    ("chkDrName", "chk_dr_name", sa.String(50)), ("examTime", "exam_time", sa.DateTime()),
    ("rpotDate", "rpot_date", sa.DateTime()), ("auditTime", "audit_time", sa.DateTime()),
    ("modifyTime", "modify_time", sa.DateTime()), ("refundTime", "refund_time", sa.DateTime()),
    ("reportPdfUrl", "report_pdf_url", sa.String(500)), ("imageUrls", "image_urls", sa.Text()),
)
VIEW = "View_Pacs_Text_Info"


def upgrade() -> None:
    op.create_table(
        "pacs_exam_report",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *(sa.Column(column, kind) for _, column, kind in COLUMNS),
        sa.Column("withdrawn", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ux_pacs_exam_report_exam", "pacs_exam_report", ["fixmedins_code", "exam_no"], unique=True)
    for _, column, _kind in COLUMNS:
        if column in ("accession_no", "exam_time", "refund_time", "audit_time", "modify_time"):
            op.create_index(f"ix_pacs_exam_report_{column}", "pacs_exam_report", [column])
    quote = op.get_bind().dialect.identifier_preparer.quote_identifier
    select = ", ".join(f"{column} AS {quote(name)}" for name, column, _ in COLUMNS)
    op.execute(f"CREATE VIEW {VIEW} AS SELECT {select} FROM pacs_exam_report WHERE withdrawn = 0")


def downgrade() -> None:
    op.execute(f"DROP VIEW {VIEW}")
    op.drop_table("pacs_exam_report")
