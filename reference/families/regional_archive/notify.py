"""The platform calls the HIS's SynStatusInfo as the exam moves (seeds/004 §3.4.2.1; INTERFACES.md §5).

For an exam that fulfils a SynApplyInfo apply form (``RegionalExam.linked_apply``), the
statuses are sent in order, each once: 20 检查确认 when the exam is pushed, 50 收到影像 when its
first image is archived (or the push says ``examStatus`` 50, or gives an ``imageUrl``), 70 确认报告
when the push says ``examStatus`` 70 — after 50.  The apply form moves along with them
(``reference.regional.applies``), so UPDATE and DELETE then answer -88.  00 检查取消 is sent on
request (``control.regionalExamStatus``).

The HIS is called at the URL configured for the hospital (``institutions[].syn_status_url``),
else the simulated HIS of the hospital party (``/his/{code}/SynStatusInfo``), through the
recording SOAP client; its reply is checked (``<response><code>0</code>…``).  Sending runs as a
job: callers wait on the HIS's state, not on the platform.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import select
from sqlalchemy.orm import Session

from reference.config import Config, InstitutionConfig
from reference.dictionaries import label
from reference.parties import base_url
from reference.regional import applies, identity
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import ArchiveExam, DicomStored, RegionalExam, SynApply
from reference.transports.soap import xml
from reference.transports.soap.client import SoapClient, SoapResult

WSDL = "soap/his-status.wsdl"
FAMILY = "his-status"
ORDER = ("20", "50", "70")
_locks: defaultdict[tuple[str, str], threading.Lock] = defaultdict(threading.Lock)


def his_url(config: Config, inst: InstitutionConfig) -> str:
    """Where the hospital's HIS serves SynStatusInfo."""
    return inst.syn_status_url or f"{base_url(config, 'hospital')}/his/{inst.code}/SynStatusInfo"


def judge(result: str) -> list[Finding]:
    """The HIS's reply document: ``<response><code>0</code>…`` is success."""
    try:
        root = xml.parse(result, what="SynStatusInfo 应答 / reply")
    except xml.XmlRefused as exc:
        return exc.findings
    code, desc = xml.text_of(root.find("code")), xml.text_of(root.find("desc"))
    if xml.local(root) != "response" or not code:
        return [RULES.finding("SOAP-REPLY-MALFORMED", detail=f"expected <response><code/><desc/></response>, got {result[:120]}")]
    return [] if code == "0" else [RULES.finding("SIM-PEER-REJECTED", code=code, message=desc)]


def document(config: Config, exam: RegionalExam, apply: SynApply, code: str, now: datetime) -> str:
    """The ``<XmlDocument>`` of 004 §3.4.2.1 for ``exam`` at status ``code``."""
    info = exam.body.get("examInfo") or {}
    items = info.get("examItemList") or [{}]
    source = (exam.body.get("patientInfo") or {}).get("patientSource") or ""
    url = f"{config.public_url}/clinic/html/query.htm?exam_no={exam.hospital_code}_{exam.exam_no}"
    operator = (exam.body.get("reportList") or [{}])[0].get("affirmReporter") or info.get("technicanName") or ""

    def el(name: str, value: str, attr: str | None = None) -> str:
        return f"<{name}{' code=' + quoteattr(attr) if attr is not None else ''}>{escape(value)}</{name}>"

    return ('<?xml version="1.0" encoding="UTF-8"?><XmlDocument><Exam>'
            + el("ExamNo", exam.exam_no) + el("ApplyNo", apply.apply_no) + el("OrderNo", str(items[0].get("orderNo") or ""))
            + el("SickNo", apply.sick_no) + el("PatientSource", source)
            + el("ExamStatus", label("syninfo_exam_status", code) or code, code)
            + el("PerformDept", str(info.get("performDeptName") or ""), str(info.get("performDeptCode") or ""))
            + el("OperateDate", f"{now:%Y-%m-%d}") + el("OperateTime", f"{now:%H:%M:%S}")
            + el("Operater", str(operator), "") + el("ImageUrl", url)
            + "</Exam></XmlDocument>")


def archived(session: Session, exam: RegionalExam) -> bool:
    """Whether the archive holds an image of one of the exam's studies."""
    studies = [i.get("studyUID") for i in exam.body.get("imageList") or [] if i.get("studyUID")]
    return bool(studies) and session.scalar(
        select(DicomStored.id).where(DicomStored.store == "archive", DicomStored.study_uid.in_(studies)).limit(1)) is not None


def due(exam: RegionalExam, has_images: bool) -> list[str]:
    """The statuses to send now, in order."""
    sent = set(exam.notified)
    images = has_images or exam.exam_status == "50" or any(i.get("imageUrl") for i in exam.body.get("imageList") or [])
    reached = ["20"] + (["50"] if images else []) + (["70"] if images and exam.exam_status == "70" else [])
    return [s for s in reached if s not in sent]


def advance_apply(sandbox: Sandbox, exam: RegionalExam, apply: SynApply, has_images: bool) -> None:
    """Move the apply form along with what the exam reached (synchronously: -88 holds from now)."""
    now = sandbox.now()
    for status in ORDER:
        if status in exam.notified or status in due(exam, has_images):
            applies.advance(apply, applies.STATUS_STATES[status], now, why=f"exam {exam.exam_no} status {status}")


def progress(sandbox: Sandbox, hospital_code: str, exam_no: str) -> list[str]:
    """Send what is due for the exam; the statuses the HIS accepted."""
    with _locks[(hospital_code, exam_no)]:
        with sandbox.db.session() as session:
            exam = session.scalar(select(RegionalExam).where(RegionalExam.hospital_code == hospital_code,
                                                             RegionalExam.exam_no == exam_no))
            if exam is None or exam.linked_apply is None:
                return []
            apply = applies.find(session, exam.linked_apply)
            if apply is None:
                return []
            has_images = archived(session, exam)
            advance_apply(sandbox, exam, apply, has_images)
            pending = due(exam, has_images)
            session.expunge_all()
        sent = []
        for status in pending:
            if not _send(sandbox, exam, apply, status).ok:
                break  # the next event retries from here
            sent.append(status)
        if sent:
            with sandbox.db.session() as session:
                row = session.get(RegionalExam, exam.id)
                if row is not None:
                    row.notified = [*row.notified, *(s for s in sent if s not in row.notified)]
        return sent


def _send(sandbox: Sandbox, exam: RegionalExam, apply: SynApply, status: str) -> SoapResult:
    inst = identity.by_regional_code(sandbox.config, exam.hospital_code)
    if inst is None:
        return SoapResult(status=None, findings=[RULES.finding("REGIONAL-NO-HIS", hospital=exam.hospital_code, status=status)])
    return send_status(sandbox, inst, document(sandbox.config, exam, apply, status, sandbox.now()))


def send_status(sandbox: Sandbox, inst: InstitutionConfig, text: str) -> SoapResult:
    """One SynStatusInfo call to the hospital's HIS (recorded outbound, reply judged)."""
    hospital = sandbox.config.parties["hospital"]
    client = SoapClient(sandbox, party="regional_platform", family=FAMILY, wsdl_file=WSDL,
                        namespace=hospital.soap_namespace, timeout=30)
    try:
        return client.call(his_url(sandbox.config, inst), "SynStatusInfo", {"inputString": text},
                           institution=inst.code, judge=judge)
    finally:
        client.close()


def images_archived(sandbox: Sandbox, study_uid: str) -> list[str]:
    """The archive received an image of ``study_uid``: progress its exam (a job of the DICOM SCP)."""
    with sandbox.db.session() as session:
        exam = session.scalar(select(ArchiveExam).where(ArchiveExam.study_uid == study_uid))
        details = dict(exam.details) if exam is not None else {}
    if not details.get("examNo") or not exam:
        return []
    return progress(sandbox, str(exam.hospital_code), str(details["examNo"]))


def cancel(sandbox: Sandbox, hospital_code: str, exam_no: str, status: str = "00") -> SoapResult:
    """Send one status now (00 检查取消, or any of 004's), whatever was sent before."""
    with sandbox.db.session() as session:
        exam = session.scalar(select(RegionalExam).where(RegionalExam.hospital_code == hospital_code,
                                                         RegionalExam.exam_no == exam_no))
        apply = applies.find(session, exam.linked_apply) if exam is not None and exam.linked_apply else None
        session.expunge_all()
    if exam is None or apply is None:
        unknown = RULES.finding("REGIONAL-EXAM-UNKNOWN", what=f"{hospital_code}/{exam_no}（无关联申请单 / no apply form）")
        return SoapResult(status=None, findings=[unknown])
    result = _send(sandbox, exam, apply, status)
    if result.ok:
        with sandbox.db.session() as session:
            row = session.get(RegionalExam, exam.id)
            if row is not None and status not in row.notified:
                row.notified = [*row.notified, status]
    return result
