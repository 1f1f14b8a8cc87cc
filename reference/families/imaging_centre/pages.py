"""The centre's report page and image page (``examRpotLinkUrl``, ``imgInfoLinkUrl``).

Sandbox-defined URLs under ``/centre/{centreCode}/`` (INTERFACES.md §2): pages a browser
opens, rendered from what the centre stored — the row's report text and the DICOM
images, drawn with each file's own window/level.
"""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from reference import dictionaries
from reference.http.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import CentreExam, CentreInstance
from sim.synth.render import render_png

_STYLE = """body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
.series{margin:1em 0}.thumbs img{margin:4px;border:1px solid #888;background:#000}
h1{font-size:1.4em}.conclusion{font-weight:bold}"""


#: Tells the reader (and a headless browser) how many images actually decoded.
_STATUS_JS = """window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var s = document.getElementById('status');
  s.dataset.decoded = ok;
  s.textContent = '已解码 ' + ok + '/' + imgs.length + ' 幅影像 / ' + ok + ' of ' + imgs.length + ' images decoded';
});"""


def _exam(sandbox: Sandbox, centre_code: str, accession: str) -> tuple[CentreExam, list[CentreInstance]]:
    with sandbox.db.session() as session:
        exam = session.scalar(select(CentreExam).where(
            CentreExam.centre_code == centre_code, CentreExam.accession == accession, CentreExam.deleted_at.is_(None)))
        if exam is None:
            raise NativeError([RULES.finding("PAGE-UNKNOWN-EXAM", centre=centre_code, accession=accession)])
        instances = list(session.scalars(select(CentreInstance).where(CentreInstance.exam_id == exam.id)
                                         .order_by(CentreInstance.series_number, CentreInstance.instance_number)))
        return exam, instances


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>")


def report_page(sandbox: Sandbox, centre_code: str, accession: str) -> str:
    exam, _ = _exam(sandbox, centre_code, accession)
    row = exam.row
    e = {k: html.escape(str(row.get(k) or "")) for k in row}
    e["gend"] = html.escape(dictionaries.label("gend", str(row.get("gend"))) or str(row.get("gend", "")))
    cells = [("姓名", "psnName"), ("性别", "gend"), ("年龄", "age"), ("检查日期", "examDate"),
             ("检查项目", "imgExamItem"), ("检查科室", "examDeptName"), ("报告医师", "rpotDrName"), ("审核医师", "chkDrName")]
    table = "".join(f"<tr><th>{label}</th><td>{e.get(key, '')}</td></tr>" for label, key in cells)
    body = (f"<h1>{e.get('fixmedinsName', '')} 医学影像检查报告</h1><table>{table}</table>"
            f"<h2>影像所见</h2><p class='findings'>{e.get('imgDscr', '')}</p>"
            f"<h2>诊断意见</h2><p class='conclusion'>{e.get('diagRslt', '')}</p>"
            f"<p><a href='/centre/{centre_code}/report/{html.escape(accession)}/pdf'>报告 PDF / report PDF</a> · "
            f"<a href='/centre/{centre_code}/image/{html.escape(accession)}'>影像 / images</a></p>")
    return _page(f"检查报告 {row.get('psnName', '')}", body)


def report_pdf(sandbox: Sandbox, centre_code: str, accession: str) -> bytes:
    exam, _ = _exam(sandbox, centre_code, accession)
    return sandbox.blobs.get(exam.pdf_sha256)


def image_page(sandbox: Sandbox, centre_code: str, accession: str) -> str:
    exam, instances = _exam(sandbox, centre_code, accession)
    base = f"/centre/{centre_code}/image/{html.escape(accession)}"
    series: dict[str, list[CentreInstance]] = {}
    for inst in instances:
        series.setdefault(inst.series_uid, []).append(inst)
    parts = [f"<h1>{html.escape(str(exam.row.get('psnName', '')))} — {html.escape(str(exam.row.get('imgExamItem', '')))}</h1>"]
    for number, (uid, items) in enumerate(series.items(), 1):
        thumbs = "".join(f"<a href='{base}/{i.sop_uid}.png'><img class='thumb' alt='{i.instance_number}' "
                         f"src='{base}/{i.sop_uid}.png?size=160' width='160' height='160'></a>" for i in items)
        parts.append(f"<div class='series'><h2>序列 {items[0].series_number or number}（{len(items)} 幅）</h2>"
                     f"<div class='thumbs'>{thumbs}</div></div>")
    if instances:
        parts.append(f"<h2>首幅影像 / first image</h2><img class='full' alt='full' src='{base}/{instances[0].sop_uid}.png'>")
    parts.append(f"<p id='status' data-decoded='0'>正在加载影像… / loading images…</p><script>{_STATUS_JS}</script>")
    return _page(f"影像 {exam.row.get('psnName', '')}", "".join(parts))


@lru_cache(maxsize=512)
def _rendered(path: Path, size: int | None) -> bytes:
    """Content-addressed files never change, so a rendering is cached by the file's path."""
    return render_png(path.read_bytes(), max_size=size)


def image_png(sandbox: Sandbox, centre_code: str, accession: str, sop_uid: str, size: int | None) -> bytes:
    _, instances = _exam(sandbox, centre_code, accession)
    instance = next((i for i in instances if i.sop_uid == sop_uid), None)
    if instance is None:
        raise NativeError([RULES.finding("PAGE-UNKNOWN-IMAGE", accession=accession, sop=sop_uid)])
    return _rendered(sandbox.blobs.path(instance.dicom_sha256), size)
