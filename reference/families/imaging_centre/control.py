"""Sandbox control of the simulated imaging centre (``openapi/sandbox.yaml``): delete an exam
and withdraw its index upstream, and read what the centre holds."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy import select

from reference.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import CentreExam, CentreInstance

from .registration import withdraw_exam
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
                "row": exam.row,
                "instances": sorted(({"sopUid": i.sop_uid, "seriesUid": i.series_uid, "sha256": i.dicom_sha256}
                                     for i in instances), key=lambda i: i["sopUid"])}
