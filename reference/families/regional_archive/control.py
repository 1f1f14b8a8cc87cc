"""Sandbox control of the simulated regional platform (``openapi/sandbox.yaml``)."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy import or_, select

from reference.crypto import rsa
from reference.errors import NativeError
from reference.regional import applies, identity
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.db import delete_rows
from reference.storage.models import ArchiveExam, DicomStored, RegionalExam, RegionalStatistic, RegionalToken

from . import archive, notify, qr_pull, service


def _sandbox() -> Sandbox:
    return context["sandbox"]


def regionalRsaPublicKey() -> dict[str, Any]:
    """The regional platform's RSA public key (seeds/004 §3.2.2.5 RSA公钥由平台统一分配)."""
    config = _sandbox().config
    return {"publicKey": rsa.public_pem(config), "publicKeyBase64": rsa.public_base64(config), "bits": rsa.KEY_BITS,
            "padding": "PKCS#1 v1.5 (Java: RSA/ECB/PKCS1Padding)", "plaintext": "appId,orgId,license[,time]"}


def regionalStatistics(hospitalCode: str | None = None, examDate: str | None = None) -> list[dict[str, Any]]:
    """Expected against received and archived, per hospital, day and class."""
    return service.reconcile(_sandbox(), hospitalCode, examDate)


def regionalExamState(hospitalCode: str, examNo: str) -> dict[str, Any]:
    """What the platform holds for a pushed exam: its studies, what the archive received, the
    linked apply form and the statuses sent to the HIS."""
    sandbox = _sandbox()
    with sandbox.db.session() as session:
        exam = session.scalar(select(RegionalExam).where(RegionalExam.hospital_code == hospitalCode,
                                                         RegionalExam.exam_no == examNo))
        if exam is None:
            raise NativeError([RULES.finding("REGIONAL-EXAM-UNKNOWN", what=f"{hospitalCode}/{examNo}")])
        studies = [i.get("studyUID") for i in exam.body.get("imageList") or [] if i.get("studyUID")]
        stored = session.scalars(select(DicomStored).where(DicomStored.store == "archive", DicomStored.study_uid.in_(studies))
                                 .order_by(DicomStored.series_number, DicomStored.instance_number)).all()
        apply = applies.find(session, exam.linked_apply) if exam.linked_apply else None
        return {
            "hospitalCode": exam.hospital_code, "examNo": exam.exam_no, "applyNo": exam.apply_no, "patientID": exam.patient_id,
            "examStatus": exam.exam_status, "studies": studies, "linkedApply": exam.linked_apply,
            "applyStatus": apply.status if apply else None, "notified": list(exam.notified),
            "archived": [{"studyUID": s.study_uid, "seriesUID": s.series_uid, "sopUID": s.sop_uid,
                          "seriesNumber": s.series_number,
                          "sopClass": s.sop_class, "patientID": s.patient_id, "accessionNumber": s.accession, "sha256": s.sha256}
                         for s in stored],
            "push": exam.body,
        }


def regionalApplyState(applyNo: str) -> dict[str, Any]:
    """An apply form as SynApplyInfo left it, and where the exam took it."""
    with _sandbox().db.session() as session:
        apply = applies.find(session, applyNo)
        if apply is None:
            raise NativeError([RULES.finding("SYNINFO-APPLY-UNKNOWN", apply=applyNo, action="GET")])
        return {"applyNo": apply.apply_no, "status": apply.status, "sickNo": apply.sick_no, "patientName": apply.patient_name,
                "hospitalCode": apply.hospital_code, "history": apply.history, "fields": apply.fields}


def regionalExamStatus(body: dict[str, Any]) -> dict[str, Any]:
    """Send one SynStatusInfo status now (00 检查取消 by default) to the exam's HIS."""
    result = notify.cancel(_sandbox(), body["hospitalCode"], body["examNo"], body.get("status", "00"))
    return {"ok": result.ok, "status": result.status, "reply": result.result, "fault": result.fault,
            "findings": [f.to_dict() for f in result.findings], "exchange": result.exchange}


def regionalPull(body: dict[str, Any]) -> dict[str, Any]:
    """Q/R mode (004 §3.2.3.2.2): pull a pushed exam's study from the hospital's DICOM gateway."""
    return qr_pull.pull(_sandbox(), body["studyUID"])


def resetTenantState(sandbox: Sandbox, code: str) -> dict[str, int]:
    """A tenant's reset (``POST /_sandbox/tenants/{code}/reset``, issue 13).  The platform files a
    hospital under the regional code it assigned (``orgId``/``hospitalCode``, reference.regional.
    identity): the hospital's tokens, pushed exams, statistics and archive registrations go, with
    the instances the archive holds of those studies.  A tenant that is a calling AE (the exchange
    log's institution of a DICOM association) forgets the instances it stored.  Files stay in the
    content-addressed blob store."""
    org = identity.regional_code_of(sandbox.config, code)
    with sandbox.db.session() as session:
        studies = list(session.scalars(select(ArchiveExam.study_uid).where(ArchiveExam.hospital_code == org))) if org else []
        counts = {"archive_stored": delete_rows(session, DicomStored, DicomStored.store == archive.STORE,
                                                or_(DicomStored.calling_ae == code, DicomStored.study_uid.in_(studies)))}
        if org is None:
            return counts
        return counts | {
            "archive_exams": delete_rows(session, ArchiveExam, ArchiveExam.hospital_code == org),
            "regional_exams": delete_rows(session, RegionalExam, RegionalExam.hospital_code == org),
            "regional_statistics": delete_rows(session, RegionalStatistic, RegionalStatistic.hospital_code == org),
            "regional_tokens": delete_rows(session, RegionalToken, RegionalToken.org_id == org),
        }
