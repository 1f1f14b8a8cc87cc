"""The centre's report page and image page (``examRpotLinkUrl``, ``imgInfoLinkUrl``).

Sandbox-defined URLs under ``/centre/{centreCode}/`` (INTERFACES.md §2): pages a browser
opens, rendered by the viewer (``reference.viewer``, templates ``report.html`` and
``images.html``) from what the centre stored — the row's report text and the DICOM images,
drawn with each file's own window/level.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from reference import dictionaries
from reference.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import CentreExam, CentreInstance
from reference.viewer import image_png as render_image
from reference.viewer import render_page

REPORT_CELLS = (("姓名", "psnName"), ("性别", "gend"), ("年龄", "age"), ("检查日期", "examDate"),
                ("检查项目", "imgExamItem"), ("检查科室", "examDeptName"), ("报告医师", "rpotDrName"),
                ("审核医师", "chkDrName"))


def _exam(sandbox: Sandbox, centre_code: str, accession: str) -> tuple[CentreExam, list[CentreInstance]]:
    with sandbox.db.reading() as session:
        exam = session.scalar(select(CentreExam).where(
            CentreExam.centre_code == centre_code, CentreExam.accession == accession, CentreExam.deleted_at.is_(None)))
        if exam is None:
            raise NativeError([RULES.finding("PAGE-UNKNOWN-EXAM", centre=centre_code, accession=accession)])
        instances = list(session.scalars(select(CentreInstance).where(CentreInstance.exam_id == exam.id)
                                         .order_by(CentreInstance.series_number, CentreInstance.instance_number)))
        return exam, instances


def _text(row: dict[str, Any], key: str) -> str:
    return str(row.get(key) or "")


def _age(value: Any) -> str:
    """年龄 as the report PDF prints it: whole years, ``79岁`` (the row's ``age`` is a number such as 79.2)."""
    try:
        return f"{int(float(value))}岁"
    except (TypeError, ValueError):
        return str(value or "")


def report_page(sandbox: Sandbox, centre_code: str, accession: str) -> str:
    exam, _ = _exam(sandbox, centre_code, accession)
    row = exam.row
    values = {key: _text(row, key) for _, key in REPORT_CELLS}
    values["gend"] = dictionaries.label("gend", str(row.get("gend"))) or str(row.get("gend", ""))
    values["age"] = _age(row.get("age"))
    base = f"/centre/{centre_code}"
    return render_page("report.html", title=f"检查报告 {row.get('psnName', '')}", institution=_text(row, "fixmedinsName"),
                       cells=[(label, values[key]) for label, key in REPORT_CELLS],
                       findings=_text(row, "imgDscr"), conclusion=_text(row, "diagRslt"),
                       pdf_url=f"{base}/report/{accession}/pdf", images_url=f"{base}/image/{accession}")


def report_pdf(sandbox: Sandbox, centre_code: str, accession: str) -> bytes:
    exam, _ = _exam(sandbox, centre_code, accession)
    return sandbox.blobs.get(exam.pdf_sha256)


def image_page(sandbox: Sandbox, centre_code: str, accession: str) -> str:
    exam, instances = _exam(sandbox, centre_code, accession)
    base = f"/centre/{centre_code}/image/{accession}"
    series: dict[str, list[CentreInstance]] = {}
    for inst in instances:
        series.setdefault(inst.series_uid, []).append(inst)
    series_list = [{"number": items[0].series_number or number,
                    "images": [{"url": f"{base}/{i.sop_uid}.png", "thumb": f"{base}/{i.sop_uid}.png?size=160",
                                "label": i.instance_number} for i in items]}
                   for number, items in enumerate(series.values(), 1)]
    return render_page("images.html", title=f"影像 {exam.row.get('psnName', '')}",
                       heading=f"{_text(exam.row, 'psnName')} — {_text(exam.row, 'imgExamItem')}",
                       series_list=series_list, first=f"{base}/{instances[0].sop_uid}.png" if instances else None)


def image_png(sandbox: Sandbox, centre_code: str, accession: str, sop_uid: str, size: int | None) -> bytes:
    _, instances = _exam(sandbox, centre_code, accession)
    instance = next((i for i in instances if i.sop_uid == sop_uid), None)
    if instance is None:
        raise NativeError([RULES.finding("PAGE-UNKNOWN-IMAGE", accession=accession, sop=sop_uid)])
    return render_image(sandbox.blobs.path(instance.dicom_sha256), size)
