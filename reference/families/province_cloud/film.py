"""The cloud-film page behind getdigitalImageUrl (seeds/003 云胶片URL获取接口).

003's sample answers ``http://xx.com/film/?Info=xxx``; the sandbox answers
``{public_url}/film/?Info=<examId>.<signature>`` (sandbox-defined), a page with the
report (text and PDF) and the images rendered from the uploaded DICOM, as the imaging
centre's pages are built.
"""
from __future__ import annotations

import hashlib
import hmac
import html

from sqlalchemy import select

from reference.families.imaging_centre.pages import _STATUS_JS, _page, _rendered
from reference.http.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import ProvinceExam, ProvinceInstance


def _sign(sandbox: Sandbox, exam_id: str) -> str:
    return hmac.new(f"film:{sandbox.config.seed}".encode(), exam_id.encode(), hashlib.sha256).hexdigest()[:16]


def info_for(sandbox: Sandbox, exam_id: str) -> str:
    return f"{exam_id}.{_sign(sandbox, exam_id)}"


def film_url(sandbox: Sandbox, exam_id: str) -> str:
    return f"{sandbox.config.public_url}/film/?Info={info_for(sandbox, exam_id)}"


def _open(sandbox: Sandbox, info: str) -> tuple[ProvinceExam, list[ProvinceInstance]]:
    exam_id, _, signature = (info or "").partition(".")
    if not hmac.compare_digest(signature, _sign(sandbox, exam_id)):
        raise NativeError([RULES.finding("PCLOUD-FILM-UNKNOWN")])
    with sandbox.db.session() as session:
        exam = session.scalar(select(ProvinceExam).where(ProvinceExam.exam_id == exam_id))
        if exam is None:
            raise NativeError([RULES.finding("PCLOUD-FILM-UNKNOWN")])
        instances = list(session.scalars(select(ProvinceInstance).where(ProvinceInstance.exam_pk == exam.id)
                                         .order_by(ProvinceInstance.series_uid, ProvinceInstance.id)))
        session.expunge_all()
        return exam, instances


def film_page(sandbox: Sandbox, info: str) -> str:
    exam, instances = _open(sandbox, info)
    row = exam.row
    e = {k: html.escape(str(v)) for k, v in row.items() if v is not None}
    cells = [("姓名", "patientName"), ("检查编号", "accessNumber"), ("检查项目", "examProjectName"), ("检查类型", "modality"),
             ("检查时间", "checkTime"), ("报告医师", "reportDocName"), ("审核医师", "auditDocName")]
    table = "".join(f"<tr><th>{label}</th><td>{e.get(key, '')}</td></tr>" for label, key in cells)
    q = html.escape(info)
    thumbs = "".join(f"<a href='/film/image?Info={q}&amp;sop={i.sop_uid}'><img class='thumb' alt='{n}' "
                     f"src='/film/image?Info={q}&amp;sop={i.sop_uid}&amp;size=160' width='160' height='160'></a>"
                     for n, i in enumerate(instances, 1))
    pdf = f"<p><a href='/film/pdf?Info={q}'>报告 PDF / report PDF</a></p>" if exam.pdf_sha256 else ""
    body = (f"<h1>{html.escape(sandbox.config.institution(exam.hospital_code).name if sandbox.config.institution(exam.hospital_code) else exam.hospital_code)} 云胶片 / cloud film</h1>"
            f"<table>{table}</table><h2>检查所见</h2><p class='findings'>{e.get('imageDescription', '')}</p>"
            f"<h2>检查印象</h2><p class='conclusion'>{e.get('conclusion', '')}</p>{pdf}"
            f"<h2>影像（{len(instances)} 幅）/ images</h2><div class='thumbs'>{thumbs}</div>"
            f"<p id='status' data-decoded='0'>正在加载影像… / loading images…</p><script>{_STATUS_JS}</script>")
    return _page(f"云胶片 {row.get('patientName', '')}", body)


def film_png(sandbox: Sandbox, info: str, sop: str, size: int | None) -> bytes:
    _, instances = _open(sandbox, info)
    inst = next((i for i in instances if i.sop_uid == sop), None)
    if inst is None:
        raise NativeError([RULES.finding("PCLOUD-FILM-UNKNOWN")])
    return _rendered(sandbox.blobs.path(inst.sha256), size)


def film_pdf(sandbox: Sandbox, info: str) -> bytes:
    exam, _ = _open(sandbox, info)
    if exam.pdf_sha256 is None:
        raise NativeError([RULES.finding("PCLOUD-NO-DATA")])
    return sandbox.blobs.get(exam.pdf_sha256)
