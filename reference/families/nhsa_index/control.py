"""Sandbox control of the simulated provincial index module (``openapi/sandbox.yaml``): pull
an index's images now, and read what the province holds."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy import func, select

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
    with _sandbox().db.reading() as session:
        records = session.scalars(select(IndexRecord).where(IndexRecord.deleted_at.is_(None),
                                                            IndexRecord.row["certno"].as_string() == body["certno"]))
        rows = [{k: r.row.get(k) for k in PATIENT_FIELDS} | {"pullStatus": r.pull_status} for r in records]
    rows.sort(key=lambda r: str(r.get("examDate") or ""), reverse=True)
    return {"count": len(rows), "indexes": rows[: int(body.get("limit") or 100)]}


def provinceIndexes(limit: int = 100, deleted: bool = False) -> list[dict[str, Any]]:
    """The indexes the province holds, newest first: pull status, cached images, the row's page links."""
    with _sandbox().db.reading() as session:
        stmt = select(IndexRecord).order_by(IndexRecord.created_at.desc(), IndexRecord.hi_img_indx).limit(limit)
        if not deleted:
            stmt = stmt.where(IndexRecord.deleted_at.is_(None))
        records = list(session.scalars(stmt))
        counts = dict(session.execute(select(ProvinceImage.hi_img_indx, func.count()).where(
            ProvinceImage.hi_img_indx.in_([r.hi_img_indx for r in records])).group_by(ProvinceImage.hi_img_indx))
            .tuples().all())
    return [{"hiImgIndx": r.hi_img_indx, "infCode": r.inf_code, "hospital": r.fixmedins_code,
             "deleted": r.deleted_at is not None, "pullStatus": r.pull_status, "images": counts.get(r.hi_img_indx, 0),
             "patient": r.row.get("psnName"), "item": r.row.get("imgExamItem"), "examDate": r.row.get("examDate"),
             "links": {"report": r.row.get("examRpotLinkUrl"), "images": r.row.get("imgInfoLinkUrl"),
                       "imgDld": r.row.get("imgDldLink")}} for r in records]


def resetTenantState(sandbox: Sandbox, code: str) -> dict[str, int]:
    """A tenant's reset (issue 13): the indexes this institution registered (``infCode``), their
    cached images and its processed msgids; nobody else's."""
    from sqlalchemy import delete

    from reference.storage.models import Message

    with sandbox.db.session() as session:
        indexes = list(session.scalars(select(IndexRecord.hi_img_indx).where(IndexRecord.inf_code == code)))
        if indexes:
            session.execute(delete(ProvinceImage).where(ProvinceImage.hi_img_indx.in_(indexes)))
            session.execute(delete(IndexRecord).where(IndexRecord.hi_img_indx.in_(indexes)))
        messages = session.scalar(select(func.count()).select_from(Message).where(Message.inf_code == code)) or 0
        session.execute(delete(Message).where(Message.inf_code == code))
    return {"indexes": len(indexes), "messages": int(messages)}
