"""Complete ``saveExamRpotImgIndx`` rows (000 §1.1.2 (5) 输入, 73 fields, table order).

Formats follow 000: dates ``yyyy-MM-dd`` (examDate, diagTime, brdy), datetimes
``yyyy-MM-dd HH:mm:ss`` (appyDate, symptom dates, rptDate, sdryChkDate, rpotPubDate),
``chkDate`` ``yyyyMMdd`` (String 8), ``age`` a number with one decimal (BigDecimal 5,1);
everything else is a string.  Fields that do not apply to the exam are empty strings:
iptNo / wardareaCode / wardareaName for outpatients and emergencies.

The three links are sandbox-defined (INTERFACES.md §2): by default pages and the image
download service of a simulated imaging centre on ``http://127.0.0.1:8000``; pass ``links``
to point them elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Final

from sim.fakedata.exams import Exam, make_exams
from sim.fakedata.institutions import Institution

__all__ = ["FIELDS", "LINK_FIELDS", "DEFAULT_BASE_URL", "default_links", "row_for_exam", "make_index_rows"]

# 000 §1.1.2 (5) 输入（节点标识：input）, fields 1-73 in table order.
FIELDS: Final = (
    "hiImgIndx", "psnName", "psnCertType", "certno", "gend", "fixmedinsCode", "fixmedinsName",
    "examAdmdvs", "imgExamType", "examItemCode", "imgExamItem", "examDate", "examPart", "examWay",
    "examDeptName", "examDrCode", "examDrName", "clncDiag", "appyNo", "appyDeptName", "appyDate",
    "bilgDrCode", "bilgDrName", "disecode", "diagTime", "brdy", "age", "tel", "fmAddr", "mrgStas",
    "elecHlCardNo", "prfs", "poscode", "iptNo", "wardareaCode", "wardareaName", "patnId", "illhis",
    "chfcomp", "algs", "sympBegndate", "sympEnddate", "sympDscr", "examInseqi", "devRoom", "devName",
    "examDevType", "examTecnName", "examTecnIdcard", "imgDscr", "diagRslt", "rpotNo",
    "rpotMedinsCode", "rpotDrIdcard", "rpotDrName", "chkMedinsCode", "chkDrIdcard", "chkDrName",
    "sdryChkMedinsCode", "sdryChkDrIdcard", "sdryChkDrName", "rptDate", "chkDate", "sdryChkDate",
    "examRsltCode", "rpotAdv", "rpotPubDate", "rpotCritVal", "stogInsUscc", "hospLv",
    "examRpotLinkUrl", "imgInfoLinkUrl", "imgDldLink",
)
LINK_FIELDS: Final = ("examRpotLinkUrl", "imgInfoLinkUrl", "imgDldLink")
DEFAULT_BASE_URL: Final = "http://127.0.0.1:8000"

Links = Callable[[Exam], dict[str, str]]


def default_links(exam: Exam, base_url: str = DEFAULT_BASE_URL) -> dict[str, str]:
    """Report page, image page and image download service of the exam's imaging centre."""
    centre = f"{base_url}/centre/{exam.centre.code}"
    return {
        "examRpotLinkUrl": f"{centre}/report/{exam.accession_no}",
        "imgInfoLinkUrl": f"{centre}/image/{exam.accession_no}",
        "imgDldLink": f"{centre}/imgDld",
    }


def _d(value: date) -> str:
    return f"{value:%Y-%m-%d}"


def _dt(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}"


def row_for_exam(exam: Exam, links: Links | None = None) -> dict[str, Any]:
    """The ``saveExamRpotImgIndx`` row of ``exam``: all 73 fields in table order."""
    p, h, dev = exam.patient, exam.institution, exam.device
    inpatient = exam.patient_class == "inpatient"
    urls = (links or default_links)(exam)
    missing = [f for f in LINK_FIELDS if f not in urls]
    if missing:
        raise ValueError(f"links() must return {', '.join(missing)}")
    row: dict[str, Any] = {
        "hiImgIndx": exam.hi_img_indx,
        "psnName": p.name,
        "psnCertType": p.cert_type,
        "certno": p.certno,
        "gend": p.gend,
        "fixmedinsCode": h.code,
        "fixmedinsName": h.name,
        "examAdmdvs": h.admdvs,
        "imgExamType": exam.img_exam_type,
        "examItemCode": exam.item.code,
        "imgExamItem": exam.item.name,
        "examDate": _d(exam.exam_time.date()),
        "examPart": exam.exam_part,
        "examWay": exam.exam_way,
        "examDeptName": exam.exam_dept,
        "examDrCode": exam.exam_doctor.code,
        "examDrName": exam.exam_doctor.name,
        "clncDiag": exam.clinical_diag,
        "appyNo": exam.apply_no,
        "appyDeptName": exam.apply_dept,
        "appyDate": _dt(exam.apply_time),
        "bilgDrCode": exam.billing_doctor.code,
        "bilgDrName": exam.billing_doctor.name,
        "disecode": exam.disecode,
        "diagTime": _d(exam.apply_time.date()),
        "brdy": _d(p.birth),
        "age": exam.age,
        "tel": p.phone,
        "fmAddr": p.address,
        "mrgStas": p.marital_status,
        "elecHlCardNo": p.ehc_no,
        "prfs": p.occupation,
        "poscode": p.postcode,
        "iptNo": p.ipt_no if inpatient else "",
        "wardareaCode": exam.ward_code,
        "wardareaName": exam.ward_name,
        "patnId": p.patient_id,
        "illhis": exam.illness_history,
        "chfcomp": exam.chief_complaint,
        "algs": exam.allergy_history,
        "sympBegndate": _dt(exam.symptom_begin),
        "sympEnddate": _dt(exam.symptom_end),
        "sympDscr": exam.symptom_desc,
        "examInseqi": dev.code,
        "devRoom": dev.room,
        "devName": dev.name,
        "examDevType": dev.type,
        "examTecnName": exam.technician.name,
        "examTecnIdcard": exam.technician.idcard,
        "imgDscr": exam.findings,
        "diagRslt": exam.conclusion,
        "rpotNo": exam.report_no,
        "rpotMedinsCode": h.code,
        "rpotDrIdcard": exam.report_doctor.idcard,
        "rpotDrName": exam.report_doctor.name,
        "chkMedinsCode": h.code,
        "chkDrIdcard": exam.audit_doctor.idcard,
        "chkDrName": exam.audit_doctor.name,
        "sdryChkMedinsCode": h.code,
        "sdryChkDrIdcard": exam.second_audit_doctor.idcard,
        "sdryChkDrName": exam.second_audit_doctor.name,
        "rptDate": _dt(exam.report_time),
        "chkDate": f"{exam.audit_time:%Y%m%d}",
        "sdryChkDate": _dt(exam.second_audit_time),
        "examRsltCode": exam.exam_rslt_code,
        "rpotAdv": exam.advice,
        "rpotPubDate": _dt(exam.publish_time),
        "rpotCritVal": exam.critical_value,
        "stogInsUscc": exam.centre.uscc,
        "hospLv": h.hosp_lv,
        **{f: urls[f] for f in LINK_FIELDS},
    }
    assert tuple(row) == FIELDS
    return row


def make_index_rows(
    seed: object,
    n: int,
    *,
    centre: Institution,
    hospitals: Sequence[Institution],
    on: date,
    links: Links | None = None,
) -> list[dict[str, Any]]:
    """``n`` valid rows (the exams of :func:`~sim.fakedata.exams.make_exams` with the same seed)."""
    exams = make_exams(seed, n, hospitals=hospitals, centre=centre, on=on)
    return [row_for_exam(exam, links) for exam in exams]
