"""The patient's cloud film (seeds/001 §4.3): the URL ``qrurl`` answers, its QR code, and the page
behind it — a mobile page with the report and the images the gateway collected, drawn by the
viewer (template ``gateway_film.html``).  The URL carries the ``info`` token (``film_token.py``);
a tampered, expired or withdrawn one gets a page saying which (the HTML error boundary)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from reference import dictionaries
from reference.errors import NativeError
from reference.parties import base_url
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import DicomStored, GatewayExam
from reference.viewer import image_png, render_page

from . import film_token
from .store import STORE

FILM_PATH = "/getway/film"
CELLS = (("姓名", "psnName"), ("性别", "sex"), ("年龄", "age"), ("检查号", "accessionNo"), ("检查项目", "imgExamItem"),
         ("检查时间", "examTime"), ("检查科室", "examDeptName"), ("报告医师", "rpotDrName"), ("审核医师", "chkDrName"),
         ("审核时间", "auditTime"))


def current_exam(sandbox: Sandbox, hospital: str, accession: str) -> GatewayExam | None:
    """The gateway's live (not deleted) exam of ``hospital`` with ``accession``, newest first."""
    with sandbox.db.session() as session:
        exam = session.scalars(select(GatewayExam).where(
            GatewayExam.hospital_code == hospital, GatewayExam.accession == accession, GatewayExam.deleted_at.is_(None))
            .order_by(GatewayExam.id.desc())).first()
        if exam is not None:
            session.expunge(exam)
        return exam


def film_url(sandbox: Sandbox, accession: str, hospital: str) -> str:
    token = film_token.issue(sandbox.config, accession, hospital, now=sandbox.now())
    return f"{base_url(sandbox.config, 'gateway')}{FILM_PATH}?info={token}"


def _open(sandbox: Sandbox, info: str) -> tuple[GatewayExam, list[DicomStored]]:
    try:
        grant = film_token.open_token(sandbox.config, info, now=sandbox.now())
    except film_token.TokenError as exc:
        if exc.kind == "expired":
            raise NativeError([RULES.finding("GW-FILM-EXPIRED", expired=f"{exc.expired:%Y-%m-%d %H:%M:%S}")]) from None
        raise NativeError([RULES.finding("GW-FILM-TAMPERED", detail=exc.detail)]) from None
    exam = current_exam(sandbox, grant.hospital, grant.access_number)
    if exam is None:
        raise NativeError([RULES.finding("GW-FILM-GONE", hospital=grant.hospital, accession=grant.access_number)])
    with sandbox.db.session() as session:
        images = list(session.scalars(select(DicomStored).where(DicomStored.store == STORE,
                                                                DicomStored.study_uid == exam.study_uid)
                                      .order_by(DicomStored.series_number, DicomStored.instance_number)))
        session.expunge_all()
    return exam, images


def _cell(report: dict[str, Any], key: str) -> str:
    value = report.get(key)
    if key == "sex":
        return dictionaries.label("gateway_sex", str(value)) or str(value or "")
    return "" if value is None else str(value)


def film_page(sandbox: Sandbox, info: str) -> str:
    exam, images = _open(sandbox, info)
    report = exam.report
    hospital = sandbox.config.institution(exam.hospital_code)
    link = f"{FILM_PATH}/image?info={info}&sop="
    return render_page("gateway_film.html", title=f"云胶片 {report.get('psnName', '')}",
                       institution=report.get("fixmedinsName") or (hospital.name if hospital else exam.hospital_code),
                       cells=[(label, _cell(report, key)) for label, key in CELLS],
                       findings=report.get("imgDscr", ""), conclusion=report.get("diagRslt", ""),
                       pdf_url=f"{FILM_PATH}/pdf?info={info}" if exam.pdf_sha256 else None,
                       images=[{"url": link + i.sop_uid, "thumb": f"{link}{i.sop_uid}&size=240"} for i in images])


def film_png(sandbox: Sandbox, info: str, sop: str, size: int | None) -> bytes:
    _, images = _open(sandbox, info)
    found = next((i for i in images if i.sop_uid == sop), None)
    if found is None:
        raise NativeError([RULES.finding("GW-FILM-IMAGE-UNKNOWN", sop=sop)])
    return image_png(sandbox.blobs.path(found.sha256), size)


def film_pdf(sandbox: Sandbox, info: str) -> bytes:
    exam, _ = _open(sandbox, info)
    if exam.pdf_sha256 is None:
        raise NativeError([RULES.finding("GW-FILE-UNKNOWN", name="report PDF")])
    return sandbox.blobs.get(exam.pdf_sha256)
