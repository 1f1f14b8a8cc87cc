"""The centre's image download service at ``imgDldLink`` (seeds/000 §1.3–1.4).

The hot path the province hammers: ``queryImgCahe`` answers with bytes encoded once at
ingest (the whole JSON reply with the base64 file), read from the blob store; nothing is
encoded, parsed or hashed per request.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from starlette.responses import Response

from reference.errors import NativeError
from reference.exchanges import ExchangeDraft
from reference.national.replies import success
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import CentreExam, CentreInstance
from reference.validation import BodyReport

from .service import current_exam

LIST, FILE = "queryImgCaheFileSn", "queryImgCahe"


def _exam_id(sandbox: Sandbox, centre_code: str, hi: str) -> int:
    with sandbox.db.reading() as session:
        exam = current_exam(session, centre_code, hi)
        if exam is None:
            raise NativeError([RULES.finding("IMGDLD-UNKNOWN-INDEX", hi=hi)])
        return exam.id


def file_list(sandbox: Sandbox, centre_code: str, hi: str) -> dict[str, Any]:
    exam_id = _exam_id(sandbox, centre_code, hi)
    with sandbox.db.reading() as session:
        instances = session.scalars(select(CentreInstance).where(CentreInstance.exam_id == exam_id)
                                    .order_by(CentreInstance.series_number, CentreInstance.instance_number, CentreInstance.id))
        entries = [{"examUuid": i.study_uid, "snUuid": i.series_uid, "instUuid": i.sop_uid} for i in instances]
    reply = success([])
    reply["data"] = {"hiImgIndx": hi, "imgFileSnList": entries}
    return reply


#: One indexed query for the hot path (no ORM objects, no JSON columns loaded).
_REPLY = (select(CentreInstance.reply_sha256, CentreInstance.reply_size)
          .join(CentreExam, CentreExam.id == CentreInstance.exam_id)
          .where(CentreExam.centre_code == bindparam("centre"), CentreExam.hi_img_indx == bindparam("hi"),
                 CentreExam.deleted_at.is_(None), CentreInstance.sop_uid == bindparam("sop"),
                 CentreInstance.series_uid == bindparam("series"), CentreInstance.study_uid == bindparam("study")))


def file_content(sandbox: Sandbox, draft: ExchangeDraft, centre_code: str, hi: str, sn: Any) -> Response:
    if not isinstance(sn, dict):
        raise NativeError([RULES.finding("IMGDLD-FILESN-REQUIRED")])
    with sandbox.db.engine.connect() as conn:
        found = conn.execute(_REPLY, {"centre": centre_code, "hi": hi, "sop": sn.get("instUuid"),
                                      "series": sn.get("snUuid"), "study": sn.get("examUuid")}).first()
    if found is None:
        _exam_id(sandbox, centre_code, hi)  # unknown index, or else:
        raise NativeError([RULES.finding("IMGDLD-UNKNOWN-INSTANCE", hi=hi, examUuid=sn.get("examUuid"),
                                         snUuid=sn.get("snUuid"), instUuid=sn.get("instUuid"))])
    digest, size = found
    draft.response_digest = (digest, size)  # the recorder need not hash what we already know
    return Response(sandbox.blobs.get_cached(digest), media_type="application/json")


def handle(sandbox: Sandbox, report: BodyReport, draft: ExchangeDraft, centre_code: str) -> Any:
    body = report.body if isinstance(report.body, dict) else {}
    service = body.get("serviceName")
    draft.operation = service if service in (LIST, FILE) else "imgDld"
    draft.institution = centre_code
    errors = [f for f in report.findings if f.is_error]
    if errors:
        raise NativeError(report.findings)
    draft.add(report.findings)
    if service == LIST:
        return file_list(sandbox, centre_code, str(body["hiImgIndx"]))
    return file_content(sandbox, draft, centre_code, str(body["hiImgIndx"]), body.get("imgFileSn"))
