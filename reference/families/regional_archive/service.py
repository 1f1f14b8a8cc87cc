"""What the platform does with a push and with statistics (seeds/004 §3.2.3.1, §3.2.3.3).

``push``: checks what the schema cannot (the hospital is the token's, each image's patientID is
the exam's, no study is another exam's), stores the exam per (hospitalCode, examNo), registers
each of its studies with the DICOM archive (``archive.register_exam``: C-STORE is accepted only
now), links the SynApplyInfo apply form it fulfils and moves it along, and queues the HIS
callbacks (``notify``).  ``upload_statistics`` keeps the expected counts; ``reconcile`` sets them
against what was pushed and archived.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from reference.errors import NativeError
from reference.regional import applies, identity
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import ArchiveExam, DicomStored, RegionalExam, RegionalStatistic

from . import notify
from .archive import register_exam


def _reject_if_errors(findings: list[Finding]) -> None:
    if any(f.is_error for f in findings):
        raise NativeError(findings)


def check_push(sandbox: Sandbox, org_id: str, body: dict[str, Any]) -> list[Finding]:
    findings = []
    hospital = str(body.get("hospitalCode") or "")
    if hospital and hospital != org_id:
        findings.append(RULES.finding("REGIONAL-HOSPITAL-MISMATCH", path="hospitalCode", code=hospital, org_id=org_id))
    info = body.get("examInfo") or {}
    req = info.get("reqHospitalCode")
    if req and hospital and req != hospital:
        findings.append(RULES.finding("REGIONAL-REQ-HOSPITAL", path="examInfo.reqHospitalCode", code=req, expected=hospital))
    for i, image in enumerate(body.get("imageList") or []):
        if image.get("patientID") and info.get("patientID") and image["patientID"] != info["patientID"]:
            findings.append(RULES.finding("REGIONAL-PATIENTID-MISMATCH", path=f"imageList[{i}].patientID",
                                          value=image["patientID"], expected=info["patientID"]))
    with sandbox.db.session() as session:
        for i, image in enumerate(body.get("imageList") or []):
            owner = session.scalar(select(ArchiveExam).where(ArchiveExam.study_uid == image.get("studyUID")))
            if owner is not None and (owner.hospital_code, owner.details.get("examNo")) != (hospital, body.get("examNo")):
                findings.append(RULES.finding("REGIONAL-STUDY-TAKEN", path=f"imageList[{i}].studyUID", study=image["studyUID"],
                                              owner=f"{owner.hospital_code}/{owner.details.get('examNo')}"))
    return findings


def push(sandbox: Sandbox, org_id: str, body: dict[str, Any], findings: list[Finding]) -> None:
    findings += check_push(sandbox, org_id, body)
    _reject_if_errors(findings)
    hospital, exam_no, now = str(body["hospitalCode"]), str(body["examNo"]), sandbox.now()
    info, patient = body["examInfo"], body["patientInfo"]
    for image in body.get("imageList") or []:
        register_exam(sandbox, patient_id=image["patientID"], study_uid=image["studyUID"],
                      accession=image.get("accessionNo") or "", hospital_code=hospital, examNo=exam_no)
    with sandbox.db.session() as session:
        exam = session.scalar(select(RegionalExam).where(RegionalExam.hospital_code == hospital,
                                                         RegionalExam.exam_no == exam_no))
        if exam is None:
            exam = RegionalExam(hospital_code=hospital, exam_no=exam_no, notified=[], pushed_at=now)
            session.add(exam)
        exam.apply_no, exam.patient_id, exam.sick_id = info["applyNo"], info["patientID"], patient["sickId"]
        exam.inpatient_no, exam.outpatient_no = patient.get("inpatientNo"), patient.get("outPatientNo")
        exam.patient_name, exam.exam_class = patient["name"], info["examClass"]
        exam.exam_date, exam.exam_status = str(info["examTime"])[:10], info["examStatus"]
        exam.body, exam.updated_at = body, now
        apply = applies.for_exam(session, hospital, info["applyNo"])
        if apply is not None:
            exam.linked_apply = apply.apply_no
            session.flush()
            notify.advance_apply(sandbox, exam, apply, notify.archived(session, exam))
    sandbox.jobs.submit("synstatus", notify.progress, sandbox, hospital, exam_no)


def upload_statistics(sandbox: Sandbox, org_id: str, items: list[dict[str, Any]], findings: list[Finding]) -> int:
    known = {identity.regional_code(i) for i in identity.hospitals(sandbox.config)}
    for i, item in enumerate(items):
        if item.get("hospitalCode") not in known:
            findings.append(RULES.finding("REGIONAL-HOSPITAL-UNKNOWN", path=f"[{i}].hospitalCode", code=item.get("hospitalCode"),
                                          known=", ".join(sorted(known)) or "—"))
    _reject_if_errors(findings)
    now = sandbox.now()
    with sandbox.db.session() as session:
        for item in items:
            key = (str(item["hospitalCode"]), str(item["examDate"]), str(item["examClass"]))
            row = session.scalar(select(RegionalStatistic).where(
                RegionalStatistic.hospital_code == key[0], RegionalStatistic.exam_date == key[1],
                RegionalStatistic.exam_class == key[2]))
            if row is None:
                row = RegionalStatistic(hospital_code=key[0], exam_date=key[1], exam_class=key[2])
                session.add(row)
            row.accord_count, row.uploaded_by, row.uploaded_at = int(item["accordCount"]), org_id, now
    return len(items)


def reconcile(sandbox: Sandbox, hospital: str | None = None, day: str | None = None) -> list[dict[str, Any]]:
    """Expected (accordCount) against received (pushed) and archived (pushed, with an image in
    the archive), per hospital, day and exam class; ``difference`` = expected - received."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(
        lambda: {"expected": None, "received": 0, "archived": 0, "exams": []})
    with sandbox.db.session() as session:
        stats = select(RegionalStatistic)
        exams = select(RegionalExam)
        if hospital:
            stats = stats.where(RegionalStatistic.hospital_code == hospital)
            exams = exams.where(RegionalExam.hospital_code == hospital)
        if day:
            stats, exams = stats.where(RegionalStatistic.exam_date == day), exams.where(RegionalExam.exam_date == day)
        for stat in session.scalars(stats):
            rows[(stat.hospital_code, stat.exam_date, stat.exam_class)]["expected"] = stat.accord_count
        archived_studies = set(session.scalars(select(DicomStored.study_uid).where(DicomStored.store == "archive")))
        for exam in session.scalars(exams):
            row = rows[(exam.hospital_code, exam.exam_date, exam.exam_class)]
            row["received"] += 1
            row["exams"].append(exam.exam_no)
            if any(i.get("studyUID") in archived_studies for i in exam.body.get("imageList") or []):
                row["archived"] += 1
    out = []
    for (code, date, klass), row in sorted(rows.items()):
        expected = row["expected"]
        state = ("missing-statistics" if expected is None else "complete" if row["archived"] >= expected
                 else "incomplete")
        out.append({"hospitalCode": code, "examDate": date, "examClass": klass, "accordCount": expected,
                    "received": row["received"], "archived": row["archived"],
                    "difference": None if expected is None else expected - row["received"], "state": state,
                    "exams": sorted(row["exams"])})
    return out
