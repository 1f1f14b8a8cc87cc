"""The cloud-film page behind getdigitalImageUrl (seeds/003 云胶片URL获取接口).

003's sample answers ``http://xx.com/film/?Info=xxx``; the sandbox answers
``{public_url}/film/?Info=<examId>.<signature>`` (sandbox-defined), a page with the
report (text and PDF) and the images rendered from the uploaded DICOM, drawn by the viewer
(``reference.viewer``, template ``film.html``) like the imaging centre's pages.
"""
from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select

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


def _open(sandbox: Sandbox, info: str) -> tuple[ProvinceExam, list[ProvinceInstance]]:
    exam_id, _, signature = (info or "").partition(".")
    if not hmac.compare_digest(signature.encode("utf-8"), _sign(sandbox, exam_id).encode("utf-8")):
        raise NativeError([RULES.finding("PCLOUD-FILM-UNKNOWN")])
    with sandbox.db.reading() as session:
        exam = session.scalar(select(ProvinceExam).where(ProvinceExam.exam_id == exam_id))
        if exam is None:
            raise NativeError([RULES.finding("PCLOUD-FILM-UNKNOWN")])
        instances = list(session.scalars(select(ProvinceInstance).where(ProvinceInstance.exam_pk == exam.id)
                                         .order_by(ProvinceInstance.series_uid, ProvinceInstance.id)))
        session.expunge_all()
        return exam, instances


def film_page(sandbox: Sandbox, info: str) -> str:
    exam, instances = _open(sandbox, info)
    row = {k: str(v) for k, v in exam.row.items() if v is not None}
    hospital = sandbox.config.institution(exam.hospital_code)
    link = f"/film/image?Info={info}&sop="
    return render_page("film.html", title=f"云胶片 {row.get('patientName', '')}",
                       institution=hospital.name if hospital else exam.hospital_code,
                       cells=[(label, row.get(key, "")) for label, key in CELLS],
                       findings=row.get("imageDescription", ""), conclusion=row.get("conclusion", ""),
                       pdf_url=f"/film/pdf?Info={info}" if exam.pdf_sha256 else None,
                       images=[{"url": link + i.sop_uid, "thumb": f"{link}{i.sop_uid}&size=160"} for i in instances])


def film_png(sandbox: Sandbox, info: str, sop: str, size: int | None) -> bytes:
    _, instances = _open(sandbox, info)
    inst = next((i for i in instances if i.sop_uid == sop), None)
    if inst is None:
        raise NativeError([RULES.finding("PCLOUD-FILM-UNKNOWN")])
    return image_png(sandbox.blobs.path(inst.sha256), size)


def film_pdf(sandbox: Sandbox, info: str) -> bytes:
    exam, _ = _open(sandbox, info)
    if exam.pdf_sha256 is None:
        raise NativeError([RULES.finding("PCLOUD-NO-DATA")])
    return sandbox.blobs.get(exam.pdf_sha256)
