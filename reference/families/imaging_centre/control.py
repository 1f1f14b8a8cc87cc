"""Sandbox control of the simulated imaging centre (``openapi/sandbox.yaml``): delete an exam
and withdraw its index upstream, and read what the centre holds."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy import func, select

from reference.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import CentreExam, CentreInstance

from .registration import links, withdraw_exam
from .service import current_exam


def _sandbox() -> Sandbox:
    return context["sandbox"]


def centreDelete(body: dict[str, Any]) -> dict[str, Any]:
    """The centre deletes the exam and withdraws its index (deleteExamRpotImgIndx, 000 §1.2)."""
    centre = _sandbox().config.institution(body["centreCode"])
    if centre is None or centre.kind != "imaging_centre":
        raise NativeError([RULES.finding("CONTROL-UNKNOWN-INSTITUTION",
                                         detail=f"{body['centreCode']!r} is not a configured imaging centre")])
    result = withdraw_exam(_sandbox(), body["centreCode"], body["hiImgIndx"])
    return {"found": result is not None, "upstream": result}


def centreExamState(centreCode: str, hiImgIndx: str) -> dict[str, Any]:
    """What the centre holds for an exam: status, findings, the row, instances with sha256."""
    with _sandbox().db.reading() as session:
        exam = current_exam(session, centreCode, hiImgIndx) or session.scalar(
            select(CentreExam).where(CentreExam.centre_code == centreCode, CentreExam.hi_img_indx == hiImgIndx)
            .order_by(CentreExam.id.desc()))
        if exam is None:
            return {"exists": False}
        instances = session.scalars(select(CentreInstance).where(CentreInstance.exam_id == exam.id))
        return {"exists": True, "status": exam.status, "accession": exam.accession, "studyUid": exam.study_uid,
                "deleted": exam.deleted_at is not None, "findings": exam.findings, "pdfSha256": exam.pdf_sha256,
                "links": _pages(exam), "row": exam.row,
                "instances": sorted(({"sopUid": i.sop_uid, "seriesUid": i.series_uid, "sha256": i.dicom_sha256}
                                     for i in instances), key=lambda i: i["sopUid"])}


def _pages(exam: CentreExam) -> dict[str, str]:
    """The exam's pages (examRpotLinkUrl, imgInfoLinkUrl) and the centre's imgDldLink."""
    found = links(_sandbox(), exam.centre_code, exam.accession)
    return {"report": found["examRpotLinkUrl"], "images": found["imgInfoLinkUrl"], "imgDld": found["imgDldLink"]}


def centreExams(centreCode: str, limit: int = 100, deleted: bool = False) -> list[dict[str, Any]]:
    """What the centre holds, newest first: each exam with its state and the links to its pages."""
    with _sandbox().db.reading() as session:
        stmt = select(CentreExam).where(CentreExam.centre_code == centreCode).order_by(CentreExam.id.desc()).limit(limit)
        if not deleted:
            stmt = stmt.where(CentreExam.deleted_at.is_(None))
        exams = list(session.scalars(stmt))
        counts = dict(session.execute(select(CentreInstance.exam_id, func.count()).where(
            CentreInstance.exam_id.in_([e.id for e in exams])).group_by(CentreInstance.exam_id)).tuples().all())
    return [{"hiImgIndx": e.hi_img_indx, "accession": e.accession, "hospital": e.hospital_code, "status": e.status,
             "deleted": e.deleted_at is not None, "patient": e.row.get("psnName"), "item": e.row.get("imgExamItem"),
             "examDate": e.row.get("examDate"), "images": counts.get(e.id, 0), "studyUid": e.study_uid,
             "links": _pages(e)} for e in exams]


def resetTenantState(sandbox: Sandbox, code: str) -> dict[str, int]:
    """A tenant's reset (``POST /_sandbox/tenants/{code}/reset``, issue 13): the exams the centre
    holds *of* this tenant — as the centre, or as the hospital that uploaded them; nobody else's.
    Files stay in the content-addressed blob store (another exam may share them)."""
    from sqlalchemy import delete, or_

    with sandbox.db.session() as session:
        ids = list(session.scalars(select(CentreExam.id).where(
            or_(CentreExam.centre_code == code, CentreExam.hospital_code == code))))
        if ids:
            session.execute(delete(CentreInstance).where(CentreInstance.exam_id.in_(ids)))
            session.execute(delete(CentreExam).where(CentreExam.id.in_(ids)))
    if ids:
        from .download import bump_centre
        bump_centre(sandbox)
    return {"centre_exams": len(ids)}
