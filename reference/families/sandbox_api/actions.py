"""Sandbox control: make a simulated party act now, and read what a party holds.

Scenario steps call these over HTTP, so the same scenario drives a sandbox in this
process or one running elsewhere.
"""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy import select

from reference.families.imaging_centre.registration import withdraw_exam
from reference.families.imaging_centre.service import current_exam
from reference.families.nhsa_index.pull import pull_images
from reference.sandbox import Sandbox
from reference.storage.models import CentreExam, CentreInstance, IndexRecord, ProvinceImage


def _sandbox() -> Sandbox:
    return context["sandbox"]


def hospitalUpload(body: dict[str, Any]) -> dict[str, Any]:
    from sim.hospital import upload_exams

    done = upload_exams(_sandbox(), hospital=body["hospital"], count=body["count"], centre=body.get("centre"),
                        seed=body.get("seed"), form=body.get("dicomForm", "zip"), batch=body.get("batch", 1),
                        start=body.get("start", 0))
    return {"exams": [p.summary() for p in done]}


def provincePull(body: dict[str, Any]) -> dict[str, Any]:
    pull_images(_sandbox(), body["hiImgIndx"])
    return provinceIndexState(body["hiImgIndx"])


def centreDelete(body: dict[str, Any]) -> dict[str, Any]:
    result = withdraw_exam(_sandbox(), body["centreCode"], body["hiImgIndx"])
    return {"found": result is not None, "upstream": result}


def centreExamState(centreCode: str, hiImgIndx: str) -> dict[str, Any]:
    with _sandbox().db.session() as session:
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


def provinceIndexState(hiImgIndx: str) -> dict[str, Any]:
    with _sandbox().db.session() as session:
        record = session.get(IndexRecord, hiImgIndx)
        images = session.scalars(select(ProvinceImage).where(ProvinceImage.hi_img_indx == hiImgIndx))
        cached = sorted(({"sopUid": i.sop_uid, "seriesUid": i.series_uid, "sha256": i.sha256} for i in images),
                        key=lambda i: i["sopUid"])
        if record is None:
            return {"exists": False, "images": cached}
        return {"exists": True, "deleted": record.deleted_at is not None, "infCode": record.inf_code,
                "pullStatus": record.pull_status, "pullFindings": record.pull_findings or [], "images": cached,
                "row": record.row}
