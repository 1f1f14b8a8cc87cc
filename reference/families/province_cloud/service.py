"""The cloud's operations (seeds/003 检查类 / 公共类标准接口; INTERFACES.md §3, flow C).

Each function takes the caller's uid (from the token) and the normalised body, adds its
findings to the exchange, and returns ``datas`` or raises ``NativeError``; handlers.py
turns that into the envelope.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select

from reference.config import ValidationMode
from reference.crypto import sm2
from reference.dicom_row import RowCheck, disagreements
from reference.dicomio import DicomIdentity, NotDicom, identify
from reference.dicomtext import findings as charset_findings
from reference.errors import NativeError
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import ProvinceExam, ProvinceInstance, ProvinceProject, ProvinceRecord
from reference.validation import BodyReport
from reference.validators import dates

from . import film

PDF_LIMIT = 2 * 1024 * 1024
DEFAULT_WINDOW = timedelta(days=7)
SM2_RULES = {"c1c2c3": "PCLOUD-SM2-C1C2C3", "wrong-key": "PCLOUD-SM2-WRONG-KEY", "encoding": "PCLOUD-SM2-ENCODING",
             "plaintext": "PCLOUD-SM2-PLAINTEXT", "not-ciphertext": "PCLOUD-SM2-NOT-CIPHERTEXT"}


def decrypt_field(sandbox: Sandbox, value: str, field: str, limit: int = 50) -> tuple[str | None, list[Finding]]:
    """Decrypt an ``x-imgcloud-sm2`` field; 003's length applies to the plaintext (plaintextMaxLength)."""
    try:
        plain = sm2.decrypt(value, sm2.issued_key(sandbox.config)).plaintext
        if len(plain) > limit:
            return None, [RULES.finding("SCHEMA-MAXLENGTH", path=f"$.{field}", length=len(plain), limit=limit)]
        return plain, []
    except sm2.SM2Error as exc:
        return None, [RULES.finding(SM2_RULES[exc.kind], path=f"$.{field}", field=field, detail=exc.detail)]


def exam_id_for(hospital: str, access_number: str) -> str:
    """Stable per (hospitalCode, accessNumber): 17 digits, like 003's sample "14545458215112121"."""
    digest = int(hashlib.sha256(f"{hospital}|{access_number}".encode()).hexdigest(), 16)
    return str(10**16 + digest % (9 * 10**16))


def _time(value: Any) -> datetime | None:
    parsed = dates.parse(value, "DATETIME") if isinstance(value, str) else None
    return parsed if isinstance(parsed, datetime) else None


def _check_hospital(sandbox: Sandbox, uid: str, code: str | None) -> list[Finding]:
    inst = sandbox.config.institution(uid)
    if code and inst is not None and inst.kind == "hospital" and code != uid:
        return [RULES.finding("PCLOUD-HOSPITAL-MISMATCH", path="$.hospitalCode", code=code, uid=uid)]
    return []


def _reject_if_errors(findings: list[Finding]) -> None:
    if any(f.is_error for f in findings):
        raise NativeError(findings)


def save_patient_exam(sandbox: Sandbox, uid: str, body: dict[str, Any], findings: list[Finding]) -> str:
    hospital, access = body.get("hospitalCode"), body.get("accessNumber")
    findings += _check_hospital(sandbox, uid, hospital)
    plain = None
    if body.get("idCardNo"):
        plain, problems = decrypt_field(sandbox, body["idCardNo"], "idCardNo")
        findings += problems
    _reject_if_errors(findings)
    exam_id, now = exam_id_for(str(hospital), str(access)), sandbox.now()
    with sandbox.db.session() as session:
        exam = session.scalar(select(ProvinceExam).where(
            ProvinceExam.hospital_code == hospital, ProvinceExam.access_number == access))
        if exam is None:
            exam = ProvinceExam(exam_id=exam_id, hospital_code=hospital, access_number=access, created_at=now)
            session.add(exam)
        exam.id_card_no, exam.patient_name = plain, body["patientName"]
        exam.study_uid, exam.exam_project_code = body["studyUid"], body["examProjectCode"]
        exam.check_time, exam.row, exam.updated_at = _time(body.get("checkTime")), dict(body), now
        return exam.exam_id


def _exam_by_access(session: Any, hospital: str | None, access: str) -> ProvinceExam | None:
    query = select(ProvinceExam).where(ProvinceExam.access_number == access)
    if hospital:
        query = query.where(ProvinceExam.hospital_code == hospital)
    return session.scalars(query.order_by(ProvinceExam.id)).first()


#: What a file must agree with in the exam savePatientExam uploaded (seeds/003 检查索引数据上传接口 fields).
EXAM_CHECKS = (
    RowCheck("PatientID", "patientId", "003 savePatientExam patientId 患者id ↔ (0010,0020) PatientID", "text"),
    RowCheck("PatientName", "patientName", "003 savePatientExam patientName 患者姓名 ↔ (0010,0010) PatientName", "name"),
    RowCheck("PatientSex", "sex", "003 savePatientExam sex 性别代码 ↔ (0010,0040) PatientSex", "sex"),
    RowCheck("PatientBirthDate", "birthday", "003 savePatientExam birthday 出生日期 ↔ (0010,0030) PatientBirthDate", "date"),
    RowCheck("StudyDate", "checkTime", "003 savePatientExam checkTime 检查时间 ↔ (0008,0020) StudyDate", "date"),
    RowCheck("AccessionNumber", "accessNumber", "003 savePatientExam accessNumber 检查编号 ↔ (0008,0050) AccessionNumber",
             "text"),
    RowCheck("Modality", "modality", "003 savePatientExam modality 检查类型 ↔ (0008,0060) Modality", "modality"),
    RowCheck("InstitutionName", "hospitalName", "003 savePatientExam hospitalCode 机构组织编码（配置的机构名称）"
             " ↔ (0008,0080) InstitutionName", "name"),
)


def _exam_findings(sandbox: Sandbox, exam: ProvinceExam, ident: DicomIdentity, mode: ValidationMode) -> list[Finding]:
    """The file against the exam it is uploaded for (index ↔ image), and its charset forensics."""
    inst = sandbox.config.institution(exam.hospital_code)
    row = {**(exam.row or {}), "hospitalName": inst.name if inst is not None else ""}
    findings = [RULES.finding("PCLOUD-DICOM-EXAM-MISMATCH", mode=mode, path="$.dicomFile", tag=d.check.tag,
                              dicom=d.dicom, field=d.check.field, row=d.row, where=d.check.where)
                for d in disagreements([ident], row, EXAM_CHECKS)]
    return findings + (charset_findings(ident.charset, path="$.dicomFile", mode=mode) if ident.charset else [])


def upload_dicom(sandbox: Sandbox, uid: str, form: dict[str, Any], data: bytes | None, findings: list[Finding]) -> None:
    findings += _check_hospital(sandbox, uid, form.get("hospitalCode"))
    if not data:
        raise NativeError([*findings, RULES.finding("PCLOUD-FILE-MISSING", path="$.dicomFile", field="dicomFile")])
    try:
        ident = identify(data)
    except NotDicom as exc:
        not_dicom = RULES.finding("PCLOUD-NOT-DICOM", path="$.dicomFile", detail=str(exc) or "no DICM")
        raise NativeError([*findings, not_dicom]) from None
    for field, tag, actual in (("studyUid", "StudyInstanceUID", ident.study_uid),
                               ("seriesUid", "SeriesInstanceUID", ident.series_uid),
                               ("instanceUid", "SOPInstanceUID", ident.sop_uid)):
        if form.get(field) != actual:
            findings.append(RULES.finding("PCLOUD-DICOM-UID-MISMATCH", path=f"$.{field}", field=field,
                                          value=form.get(field), tag=tag, actual=actual))
    with sandbox.db.session() as session:
        exam = _exam_by_access(session, form["hospitalCode"], form["accessNumber"])
        if exam is None:
            findings.append(RULES.finding("PCLOUD-EXAM-UNKNOWN", path="$.accessNumber",
                                          what=f"{form['hospitalCode']} / {form['accessNumber']}"))
        elif exam.study_uid != ident.study_uid:
            findings.append(RULES.finding("PCLOUD-DICOM-UID-MISMATCH", path="$.studyUid", field="savePatientExam.studyUid",
                                          value=exam.study_uid, tag="StudyInstanceUID", actual=ident.study_uid))
        else:
            findings += _exam_findings(sandbox, exam, ident, sandbox.config.mode_for(form.get("hospitalCode")))
        _reject_if_errors(findings)
        assert exam is not None
        digest = sandbox.store_blob(session, data, "application/dicom")
        old = session.scalar(select(ProvinceInstance).where(
            ProvinceInstance.exam_pk == exam.id, ProvinceInstance.sop_uid == ident.sop_uid))
        if old is None:
            session.add(ProvinceInstance(exam_pk=exam.id, study_uid=ident.study_uid, series_uid=ident.series_uid,
                                         sop_uid=ident.sop_uid, sha256=digest, created_at=sandbox.now()))
        else:
            old.sha256 = digest


def save_exam_pdf(sandbox: Sandbox, uid: str, form: dict[str, Any], data: bytes | None, findings: list[Finding]) -> None:
    findings += _check_hospital(sandbox, uid, form.get("hospitalCode"))
    if not data:
        findings.append(RULES.finding("PCLOUD-FILE-MISSING", path="$.examPdf", field="examPdf"))
    elif not data.startswith(b"%PDF-"):
        findings.append(RULES.finding("PCLOUD-NOT-PDF", path="$.examPdf", head=data[:8].decode("latin-1")))
    elif len(data) > PDF_LIMIT:
        findings.append(RULES.finding("PCLOUD-PDF-TOO-LARGE", path="$.examPdf", size=len(data), limit=PDF_LIMIT))
    with sandbox.db.session() as session:
        exam = _exam_by_access(session, form["hospitalCode"], form["accessNumber"])
        if exam is None:
            findings.append(RULES.finding("PCLOUD-EXAM-UNKNOWN", path="$.accessNumber",
                                          what=f"{form['hospitalCode']} / {form['accessNumber']}"))
        _reject_if_errors(findings)
        assert exam is not None and data is not None
        exam.pdf_sha256 = sandbox.store_blob(session, data, "application/pdf")
        exam.updated_at = sandbox.now()


def _exam_by_id(session: Any, exam_id: str) -> ProvinceExam | None:
    return session.scalar(select(ProvinceExam).where(ProvinceExam.exam_id == exam_id))


#: The doctor's reads (the 200-user retrieval mix's), built once: no ORM object loaded, no statement made
#: per request, on a session-less connection (``Database.reading_core``; issue 12).
_OWNER = select(ProvinceExam.exam_id, ProvinceExam.hospital_code).where(ProvinceExam.exam_id == bindparam("exam"))
_FORMERLY = (select(ProvinceExam.exam_id, ProvinceExam.hospital_code, ProvinceExam.exam_project_code, ProvinceExam.row)
             .where(ProvinceExam.id_card_no == bindparam("card"), ProvinceExam.patient_name == bindparam("name"),
                    ProvinceExam.check_time >= bindparam("start"), ProvinceExam.check_time <= bindparam("end"))
             .order_by(ProvinceExam.check_time.desc()))
_PROJECT = select(ProvinceProject.item, ProvinceProject.standard_codes).where(
    ProvinceProject.hospital_code == bindparam("hospital"), ProvinceProject.project_item_code == bindparam("code"))
_PDF_ANY = (select(ProvinceExam.pdf_sha256).where(ProvinceExam.access_number == bindparam("access"))
            .order_by(ProvinceExam.id).limit(1))
_PDF_OF = _PDF_ANY.where(ProvinceExam.hospital_code == bindparam("hospital"))


def digital_image_url(sandbox: Sandbox, uid: str, body: dict[str, Any], findings: list[Finding]) -> str:
    with sandbox.db.reading_core() as conn:
        exam = conn.execute(_OWNER, {"exam": body["examId"]}).first()
        if exam is None:
            raise NativeError([*findings, RULES.finding("PCLOUD-EXAM-UNKNOWN", path="$.examId", what=body["examId"])])
        inst = sandbox.config.institution(uid)
        owner = body.get("hospitalCode") or uid
        if exam.hospital_code != owner or (inst is not None and inst.kind == "hospital" and exam.hospital_code != uid):
            raise NativeError([*findings, RULES.finding("PCLOUD-FOREIGN-EXAM", path="$.examId", exam=exam.exam_id,
                                                        owner=exam.hospital_code)])
        return film.film_url(sandbox, exam.exam_id)


def _standard_codes(conn: Connection, hospital: str, code: str) -> list[str] | None:
    project = conn.execute(_PROJECT, {"hospital": hospital, "code": code}).first()
    return None if project is None else list(project.standard_codes)


def _formerly_item(sandbox: Sandbox, conn: Connection, exam: Row[Any]) -> dict[str, Any]:
    row = exam.row
    keep = ("hospitalCode", "patientId", "patientName", "accessNumber", "patientType", "studyUid", "patientAge",
            "patientAgeUnit", "sex", "outpatientNo", "pepatientNo", "hospitalizedNo", "wardNo", "bedNo", "modality",
            "checkPart", "imageDescription", "conclusion", "clinicalDiagnosis", "briefHistory", "positive",
            "reportDocName", "auditDocName", "reportDateTime", "auditDateTime", "checkTime")
    item = {k: row.get(k) for k in keep if row.get(k) not in (None, "")}
    inst = sandbox.config.institution(exam.hospital_code)
    url = film.film_url(sandbox, exam.exam_id)
    projects = conn.execute(_PROJECT, {"hospital": exam.hospital_code, "code": exam.exam_project_code}).first()
    return {"examId": exam.exam_id, **item, "HospitalName": inst.name if inst else exam.hospital_code,
            "imageViewPath": url, "imageViewPaths": [url],
            "standardProjectList": (projects.item.get("standardProjectList") or []) if projects else []}


def query_formerly_exam(sandbox: Sandbox, uid: str, body: dict[str, Any], findings: list[Finding]) -> list[dict[str, Any]]:
    plain, problems = decrypt_field(sandbox, body["idCardNo"], "idCardNo", limit=100)
    findings += problems
    search = body["searchType"]
    if search == "2" and not body.get("examProjectCode"):
        findings.append(RULES.finding("PCLOUD-PROJECT-CODE-REQUIRED", path="$.examProjectCode"))
    _reject_if_errors(findings)
    end = _time(body.get("checkEndTime")) or sandbox.now()
    start = _time(body.get("checkStartTime")) or end - DEFAULT_WINDOW
    hospital = body.get("hospitalCode") or uid
    with sandbox.db.reading_core() as conn:
        exams = list(conn.execute(_FORMERLY, {"card": plain, "name": body["patientName"], "start": start, "end": end}))
        if search == "2":
            code = body["examProjectCode"]
            wanted = _standard_codes(conn, hospital, code)
            if wanted is None:
                raise NativeError([*findings, RULES.finding("PCLOUD-PROJECT-NOT-UPLOADED", path="$.examProjectCode", code=code)])
            if not wanted:
                raise NativeError([*findings, RULES.finding("PCLOUD-PROJECT-NOT-MAPPED", path="$.examProjectCode", code=code)])
            exams = [e for e in exams if set(_standard_codes(conn, e.hospital_code, e.exam_project_code) or ()) & set(wanted)]
        if not exams:
            raise NativeError([*findings, RULES.finding("PCLOUD-NO-DATA")])
        return [_formerly_item(sandbox, conn, e) for e in exams]


def exam_pdf(sandbox: Sandbox, uid: str, body: dict[str, Any], findings: list[Finding]) -> tuple[str, bytes]:
    """The exam's report PDF: its sha256 (its address in the blob store) and its bytes."""
    hospital = body.get("hospitalCode")
    digest = sandbox.db.scalar(_PDF_OF if hospital else _PDF_ANY, {"access": body["accessNumber"], "hospital": hospital})
    if digest is None:  # no such exam (the first uploaded under this number, as before), or no PDF for it
        raise NativeError([*findings, RULES.finding("PCLOUD-NO-DATA")])
    return digest, sandbox.blobs.get_cached(digest)


def project_contrast(sandbox: Sandbox, uid: str, body: dict[str, Any], findings: list[Finding]) -> None:
    hospital = body.get("hospitalCode") or uid
    findings += _check_hospital(sandbox, uid, body.get("hospitalCode"))
    _reject_if_errors(findings)
    now = sandbox.now()
    with sandbox.db.session() as session:
        for item in body["projects"]:
            codes = [s["standardProjectCode"] for s in item.get("standardProjectList") or [] if s.get("standardProjectCode")]
            row = session.scalar(select(ProvinceProject).where(
                ProvinceProject.hospital_code == hospital, ProvinceProject.project_item_code == item["projectItemCode"]))
            if row is None:
                row = ProvinceProject(hospital_code=hospital, project_item_code=item["projectItemCode"])
                session.add(row)
            row.item, row.standard_codes, row.updated_at = dict(item), codes, now


def save_record(sandbox: Sandbox, uid: str, kind: str, body: dict[str, Any], findings: list[Finding]) -> None:
    if kind == "reminder" and body.get("retrivaType") == "1" and not body.get("searchType"):
        findings.append(RULES.finding("PCLOUD-SEARCHTYPE-REQUIRED", path="$.searchType"))
    if kind == "recognition" and body.get("recognFlag") == "0" and not body.get("reason"):
        findings.append(RULES.finding("PCLOUD-REASON-REQUIRED", path="$.reason"))
    _reject_if_errors(findings)
    with sandbox.db.session() as session:
        if _exam_by_id(session, body["examId"]) is None:
            raise NativeError([*findings, RULES.finding("PCLOUD-EXAM-UNKNOWN", path="$.examId", what=body["examId"])])
        session.add(ProvinceRecord(kind=kind, uid=uid, exam_id=body["examId"], body=dict(body), created_at=sandbox.now()))


def report_findings(report: BodyReport) -> list[Finding]:
    return list(report.findings)
