"""Image deletion (seeds/001 §4.5 影像图像删除接口): "医生在PACS上进行图像删除时，PACS系统触发图像删除操作时调用
医保影像云接口".  The gateway deletes the study from its store and withdraws the exam upstream.

No seed defines how a hospital asks its imaging centre to delete an exam; the centre withdraws
an index from the province with ``deleteExamRpotImgIndx`` (000 §1.2, its own transaction).  So
(sandbox-defined, ``openapi/gateway.yaml``) the gateway asks the centre that holds the exam to
delete it through the centre's deletion (``/_sandbox/actions/centre-delete``), and the centre
withdraws the index.  Each step is an exchange; the gateway's exam is marked deleted first, so a
failure upstream is reported without the images coming back.
"""
from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from reference.errors import NativeError
from reference.parties import base_url
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import GatewayExam
from reference.transports.http.client import RecordingClient

from .collect import drop_study
from .film import current_exam

CENTRE_DELETE = "/_sandbox/actions/centre-delete"


def delete_image(sandbox: Sandbox, body: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    hospital, accession = body["hospitalId"], body["accessionNo"]
    exam = current_exam(sandbox, hospital, accession)
    if exam is None:
        raise NativeError([*findings, RULES.finding("GW-UNKNOWN-ACCESSION", path="accessionNo", hospital=hospital,
                                                    accession=accession)])
    if (exam.patient_name or "") != body["patientName"]:
        raise NativeError([*findings, RULES.finding("GW-DELETE-PATIENT-MISMATCH", path="patientName",
                                                    name=body["patientName"], accession=accession)])
    removed = drop_study(sandbox, exam.study_uid) if exam.study_uid else 0
    now = sandbox.now()
    with sandbox.db.session() as session:
        row = session.get(GatewayExam, exam.id)
        assert row is not None
        row.status, row.deleted_at, row.updated_at = "deleted", now, now
        row.upload = {**(row.upload or {}), "deletion": {"operateDoctorName": body["operateDoctorName"],
                                                         "operateDateTime": body["operateDateTime"]}}
    upstream = withdraw(sandbox, exam, findings) if exam.hi_img_indx and exam.centre_code else None
    return {"accessionNo": accession, "hiImgIndx": exam.hi_img_indx, "deletedInstances": removed, "upstream": upstream}


def withdraw(sandbox: Sandbox, exam: GatewayExam, findings: list[Finding]) -> dict[str, Any]:
    """Ask the exam's centre to delete it and withdraw its index; the province's row result."""
    url = base_url(sandbox.config, "imaging_centre") + CENTRE_DELETE
    client = RecordingClient(sandbox, party="gateway", family="imaging-centre", timeout=120)
    try:
        reply = client.post_json(url, {"centreCode": exam.centre_code, "hiImgIndx": exam.hi_img_indx},
                                 operation="centreDelete", institution=exam.hospital_code)
        answer = reply.json()
    except (httpx.HTTPError, ValueError) as exc:
        findings.append(RULES.finding("GW-WITHDRAW-FAILED", detail=f"{type(exc).__name__}: {exc}"))
        return {"hiImgIndx": exam.hi_img_indx, "succFlag": "-1", "message": str(exc)}
    finally:
        client.close()
    upstream = answer.get("upstream") if isinstance(answer, dict) else None
    if not isinstance(upstream, dict) or upstream.get("succFlag") not in ("1", "0"):
        detail = str(upstream.get("message") if isinstance(upstream, dict) else answer)[:1000]
        findings.append(RULES.finding("GW-WITHDRAW-FAILED", detail=detail or "the centre does not hold the exam"))
        return upstream if isinstance(upstream, dict) else {"hiImgIndx": exam.hi_img_indx, "succFlag": "-1",
                                                            "message": detail}
    return upstream


def exams_of(sandbox: Sandbox, hospital: str, accession: str) -> list[dict[str, Any]]:
    """Every record the gateway has of an accession (state, for control and tests)."""
    with sandbox.db.session() as session:
        rows = session.scalars(select(GatewayExam).where(GatewayExam.hospital_code == hospital,
                                                         GatewayExam.accession == accession).order_by(GatewayExam.id))
        return [{"examNo": r.exam_no, "accessionNo": r.accession, "studyUid": r.study_uid, "hiImgIndx": r.hi_img_indx,
                 "status": r.status, "instances": r.instances, "source": r.source, "centre": r.centre_code,
                 "upload": r.upload, "findings": r.findings, "deleted": r.deleted_at is not None,
                 "report": r.report} for r in rows]
