"""The centre's image download service at ``imgDldLink`` (seeds/000 §1.3–1.4).

The hot path the province hammers: ``queryImgCahe`` answers with bytes encoded once at
ingest (the whole JSON reply with the base64 file), read from the blob store; nothing is
encoded, parsed or hashed per request.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, select
from starlette.responses import Response

from reference.errors import NativeError
from reference.exchanges import ExchangeDraft
from reference.national.replies import success
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.generation import Generation
from reference.storage.models import CentreExam, CentreInstance
from reference.validation import BodyReport

LIST, FILE = "queryImgCaheFileSn", "queryImgCahe"


#: The list's two reads, built once (no ORM object, no statement made per request: the province's
#: first call of each pull in the 200-user retrieval mix; issue 12).  An exam as ``current_exam`` finds it.
_EXAM_ID = select(CentreExam.id).where(CentreExam.centre_code == bindparam("centre"), CentreExam.hi_img_indx == bindparam("hi"),
                                       CentreExam.deleted_at.is_(None))
_FILES = (select(CentreInstance.study_uid, CentreInstance.series_uid, CentreInstance.sop_uid)
          .where(CentreInstance.exam_id == bindparam("exam"))
          .order_by(CentreInstance.series_number, CentreInstance.instance_number, CentreInstance.id))


def _exam_id(conn: Connection, centre_code: str, hi: str) -> int:
    exam_id = conn.execute(_EXAM_ID, {"centre": centre_code, "hi": hi}).scalar()
    if exam_id is None:
        raise NativeError([RULES.finding("IMGDLD-UNKNOWN-INDEX", hi=hi)])
    return int(exam_id)


def file_list(sandbox: Sandbox, centre_code: str, hi: str) -> dict[str, Any]:
    with sandbox.db.reading_core() as conn:
        files = conn.execute(_FILES, {"exam": _exam_id(conn, centre_code, hi)})
        entries = [{"examUuid": study, "snUuid": series, "instUuid": sop} for study, series, sop in files]
    reply = success([])
    reply["data"] = {"hiImgIndx": hi, "imgFileSnList": entries}
    return reply


#: One indexed query for the hot path (no ORM objects, no JSON columns loaded).
_REPLY = (select(CentreInstance.reply_sha256, CentreInstance.reply_size)
          .join(CentreExam, CentreExam.id == CentreInstance.exam_id)
          .where(CentreExam.centre_code == bindparam("centre"), CentreExam.hi_img_indx == bindparam("hi"),
                 CentreExam.deleted_at.is_(None), CentreInstance.sop_uid == bindparam("sop"),
                 CentreInstance.series_uid == bindparam("series"), CentreInstance.study_uid == bindparam("study")))


class _Replies:
    """This process's answers of ``_REPLY`` found, each with the centre generation it was read at:
    an answer holds while no worker has stored, replaced, deleted or reset a centre exam since
    (``bump_centre`` after each such commit).  Bounded: a load test's working set, not the archive."""

    LIMIT = 65536

    def __init__(self, home: Path) -> None:
        self.generation = Generation(home / "generations" / "centre-exams")
        self.found: dict[tuple[Any, ...], tuple[int, tuple[str, int]]] = {}

    def close(self) -> None:  # by ``Sandbox.close``
        self.generation.close()

    def get(self, key: tuple[Any, ...]) -> tuple[str, int] | None:
        known = self.found.get(key)
        return known[1] if known is not None and known[0] == self.generation.read() else None

    def put(self, key: tuple[Any, ...], generation: int, value: tuple[str, int]) -> None:
        if len(self.found) >= self.LIMIT:
            self.found.clear()
        self.found[key] = (generation, value)


def _replies(sandbox: Sandbox) -> _Replies:
    return sandbox.shared("imaging_centre.download.replies", lambda: _Replies(sandbox.config.home))


def bump_centre(sandbox: Sandbox) -> None:
    """A centre exam was stored, replaced, deleted or reset (after its commit): every process reads
    its reply lookups again."""
    _replies(sandbox).generation.bump()


def _key(centre_code: str, hi: str, sn: dict[str, Any]) -> tuple[Any, ...]:
    return (centre_code, hi, sn.get("instUuid"), sn.get("snUuid"), sn.get("examUuid"))


def known_content(sandbox: Sandbox, report: BodyReport, draft: ExchangeDraft, centre_code: str) -> Response | None:
    """``handle``'s answer to a valid ``queryImgCahe`` whose reply this process looked up and no
    centre exam changed since: no database, no blocking call (for the event loop); else ``None``."""
    body = report.body
    if not isinstance(body, dict) or body.get("serviceName") != FILE or any(f.is_error for f in report.findings):
        return None
    sn = body.get("imgFileSn")
    if not isinstance(sn, dict):
        return None
    found = _replies(sandbox).get(_key(centre_code, str(body["hiImgIndx"]), sn))
    if found is None:
        return None
    reply = sandbox.blobs.cached(found[0])
    if reply is None:
        return None
    draft.operation, draft.institution = FILE, centre_code
    draft.add(report.findings)
    draft.response_digest = found
    return Response(reply, media_type="application/json")


def file_content(sandbox: Sandbox, draft: ExchangeDraft, centre_code: str, hi: str, sn: Any) -> Response:
    if not isinstance(sn, dict):
        raise NativeError([RULES.finding("IMGDLD-FILESN-REQUIRED")])
    replies = _replies(sandbox)
    generation = replies.generation.read()
    with sandbox.db.engine.connect() as conn:
        found = conn.execute(_REPLY, {"centre": centre_code, "hi": hi, "sop": sn.get("instUuid"),
                                      "series": sn.get("snUuid"), "study": sn.get("examUuid")}).first()
    if found is not None:
        replies.put(_key(centre_code, hi, sn), generation, (found[0], found[1]))
    if found is None:
        with sandbox.db.reading_core() as conn:
            _exam_id(conn, centre_code, hi)  # unknown index, or else:
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
