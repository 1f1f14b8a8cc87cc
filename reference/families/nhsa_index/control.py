"""Sandbox control of the simulated provincial index module (``openapi/sandbox.yaml``): pull
an index's images now, and read what the province holds."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy import select

from reference.sandbox import Sandbox
from reference.storage.models import IndexRecord, ProvinceImage

from .pull import pull_images


def _sandbox() -> Sandbox:
    return context["sandbox"]


def provincePull(body: dict[str, Any]) -> dict[str, Any]:
    """The province pulls the index's images now (flow A, on demand)."""
    pull_images(_sandbox(), body["hiImgIndx"])
    return provinceIndexState(body["hiImgIndx"])


def provinceIndexState(hiImgIndx: str) -> dict[str, Any]:
    """The province's record of an index and its cached images (sha256 each)."""
    with _sandbox().db.reading() as session:
        record = session.get(IndexRecord, hiImgIndx)
        images = session.scalars(select(ProvinceImage).where(ProvinceImage.hi_img_indx == hiImgIndx))
        cached = sorted(({"sopUid": i.sop_uid, "seriesUid": i.series_uid, "sha256": i.sha256} for i in images),
                        key=lambda i: i["sopUid"])
        if record is None:
            return {"exists": False, "images": cached}
        return {"exists": True, "deleted": record.deleted_at is not None, "infCode": record.inf_code,
                "pullStatus": record.pull_status, "pullFindings": record.pull_findings or [], "images": cached,
                "row": record.row}


#: What an index row tells a doctor elsewhere about the exam (the reminder of seeds/001 §4.4.3.2).
PATIENT_FIELDS = ("hiImgIndx", "psnName", "fixmedinsCode", "fixmedinsName", "examDate", "imgExamType", "imgExamItem",
                  "examDeptName", "diagRslt", "examRpotLinkUrl", "imgInfoLinkUrl")


def provincePatientIndexes(body: dict[str, Any]) -> dict[str, Any]:
    """The live indexes of one person (``certno``), newest exam first: what the gateway's external-exam
    reminder asks the national index (sandbox-defined; seeds/001 §4.4.2 b names no interface)."""
    with _sandbox().db.session() as session:
        records = session.scalars(select(IndexRecord).where(IndexRecord.deleted_at.is_(None),
                                                            IndexRecord.row["certno"].as_string() == body["certno"]))
        rows = [{k: r.row.get(k) for k in PATIENT_FIELDS} | {"pullStatus": r.pull_status} for r in records]
    rows.sort(key=lambda r: str(r.get("examDate") or ""), reverse=True)
    return {"count": len(rows), "indexes": rows[: int(body.get("limit") or 100)]}
