"""The report a hospital PACS/RIS holds for an exam (seeds/001 §4.1; the fields of
``reference/collection/report.py``): what its view ``View_Pacs_Text_Info`` shows and its HTTP
report pull answers.  The same exam as the index row (``row_for_exam``), in 001's names where
001 §5 has a dictionary of its own (``sex``, ``patientType``, ``chargeType``)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from reference.collection import report
from sim.fakedata.exams import Exam
from sim.fakedata.index_rows import FIELDS, LINK_FIELDS, row_for_exam
from sim.fakedata.institutions import stable_int

#: fakedata patient class -> 001 §5.2 患者类型 (1 门诊, 2 住院, 4 急诊)
PATIENT_TYPES = {"outpatient": "1", "inpatient": "2", "emergency": "4"}
#: the report fields the index row has under the same name
_KEEP = tuple(name for name in report.NAMES if name in FIELDS)
_TIME = "%Y-%m-%d %H:%M:%S"


def exam_no(exam: Exam) -> str:
    """The exam's unique number in the PACS/RIS (检查唯一号): 10 digits from its study."""
    return str(10**9 + stable_int("examNo", exam.study_uid, digits=9))


def report_for_exam(exam: Exam, *, pdf_url: str, image_urls: list[str], refunded: bool = False) -> dict[str, Any]:
    """The report, fields as the pull sends them (empty ones left out)."""
    row = row_for_exam(exam, links=lambda _: {f: "" for f in LINK_FIELDS})
    out: dict[str, Any] = {"examNo": exam_no(exam), "accessionNo": exam.accession_no, "studyUid": exam.study_uid}
    out.update({k: row[k] for k in _KEEP if row.get(k) not in (None, "")})
    out.update(sex=exam.patient.gend, patientType=PATIENT_TYPES[exam.patient_class], chargeType="02",
               modality=exam.modality, examTime=f"{exam.exam_time:{_TIME}}", rpotDate=f"{exam.report_time:{_TIME}}",
               auditTime=f"{exam.audit_time:{_TIME}}", modifyTime=f"{exam.publish_time:{_TIME}}",
               reportPdfUrl=pdf_url, imageUrls=image_urls)
    if refunded:
        out["refundTime"] = f"{exam.publish_time + timedelta(hours=2):{_TIME}}"
    return {k: out[k] for k in report.NAMES if k in out}

