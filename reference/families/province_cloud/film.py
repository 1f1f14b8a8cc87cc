"""The cloud-film page behind getdigitalImageUrl (seeds/003 云胶片URL获取接口).

003's sample answers ``http://xx.com/film/?Info=xxx``; the sandbox answers
``{public_url}/film/?Info=<examId>.<signature>`` (sandbox-defined), a page with the
report (text and PDF) and the images rendered from the uploaded DICOM, drawn by the viewer
(``reference.viewer``, template ``film.html``) like the imaging centre's pages.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select

from reference.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import ProvinceExam, ProvinceInstance
from reference.viewer import image_png, render_page

CELLS = (("姓名", "patientName"), ("检查编号", "accessNumber"), ("检查项目", "examProjectName"), ("检查类型", "modality"),
         ("检查时间", "checkTime"), ("报告医师", "reportDocName"), ("审核医师", "auditDocName"))


def _sign(sandbox: Sandbox, exam_id: str) -> str:
    return hmac.new(f"film:{sandbox.config.seed}".encode(), exam_id.encode(), hashlib.sha256).hexdigest()[:16]


def info_for(sandbox: Sandbox, exam_id: str) -> str:
    return f"{exam_id}.{_sign(sandbox, exam_id)}"


def film_url(sandbox: Sandbox, exam_id: str) -> str:
    return f"{sandbox.config.public_url}/film/?Info={info_for(sandbox, exam_id)}"


class Film(NamedTuple):
    """What the film's pages show of an exam: its upload row, hospital, report PDF and images."""

    row: dict[str, Any]
    hospital_code: str
    pdf_sha256: str | None
    images: list[tuple[str, str]]  # (sop_uid, sha256), by series then upload


#: The film's two reads, built once (no ORM objects, no statement made per request: the film page is in
#: every doctor's visit of the 200-user retrieval mix, issue 12).
_EXAM = (select(ProvinceExam.id, ProvinceExam.row, ProvinceExam.hospital_code, ProvinceExam.pdf_sha256)
         .where(ProvinceExam.exam_id == bindparam("exam")))
_IMAGES = (select(ProvinceInstance.sop_uid, ProvinceInstance.sha256).where(ProvinceInstance.exam_pk == bindparam("pk"))
           .order_by(ProvinceInstance.series_uid, ProvinceInstance.id))


def _open(sandbox: Sandbox, info: str) -> Film:
    exam_id, _, signature = (info or "").partition(".")
    if not hmac.compare_digest(signature.encode("utf-8"), _sign(sandbox, exam_id).encode("utf-8")):
        raise NativeError([RULES.finding("PCLOUD-FILM-UNKNOWN")])
    with sandbox.db.reading_core() as conn:
        exam = conn.execute(_EXAM, {"exam": exam_id}).first()
        if exam is None:
            raise NativeError([RULES.finding("PCLOUD-FILM-UNKNOWN")])
        images = [(sop, sha) for sop, sha in conn.execute(_IMAGES, {"pk": exam.id})]
        return Film(exam.row, exam.hospital_code, exam.pdf_sha256, images)


def film_page(sandbox: Sandbox, info: str) -> str:
    film = _open(sandbox, info)
    row = {k: str(v) for k, v in film.row.items() if v is not None}
    hospital = sandbox.config.institution(film.hospital_code)
    link = f"/film/image?Info={info}&sop="
    return render_page("film.html", title=f"云胶片 {row.get('patientName', '')}",
                       institution=hospital.name if hospital else film.hospital_code,
                       cells=[(label, row.get(key, "")) for label, key in CELLS],
                       findings=row.get("imageDescription", ""), conclusion=row.get("conclusion", ""),
                       pdf_url=f"/film/pdf?Info={info}" if film.pdf_sha256 else None,
                       images=[{"url": link + sop, "thumb": f"{link}{sop}&size=160"} for sop, _ in film.images])


def film_png(sandbox: Sandbox, info: str, sop: str, size: int | None) -> bytes:
    digest = next((sha for uid, sha in _open(sandbox, info).images if uid == sop), None)
    if digest is None:
        raise NativeError([RULES.finding("PCLOUD-FILM-UNKNOWN")])
    return image_png(sandbox.blobs.path(digest), size)


def film_pdf(sandbox: Sandbox, info: str) -> bytes:
    film = _open(sandbox, info)
    if film.pdf_sha256 is None:
        raise NativeError([RULES.finding("PCLOUD-NO-DATA")])
    return sandbox.blobs.get(film.pdf_sha256)
