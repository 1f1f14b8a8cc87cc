"""A one-page A4 imaging report (医学影像检查报告单) as PDF, deterministic for an exam.

Font: the first CJK TrueType font found is embedded (subset): ``IMGCLOUD_CJK_FONT`` if set,
else WenQuanYi Micro Hei / Zen Hei (Debian ``fonts-wqy-microhei`` / ``fonts-wqy-zenhei``),
else a few other TrueType CJK fonts.  reportlab cannot embed CFF-flavoured OpenType, so
Noto Sans CJK ``.ttc``/``.otf`` files are tried but usually refused.  Without any usable file
the report falls back to reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1, not
embedded: viewers substitute a system Song typeface; the text stays extractable).

Determinism: ``Canvas(invariant=1)`` (fixed creation date and file ID) and metadata taken
from the exam only.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Final

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from sim.fakedata.exams import Exam

__all__ = ["FONT_CANDIDATES", "make_report_pdf", "report_font", "wrap_cjk"]

FONT_CANDIDATES: Final = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
_FALLBACK: Final = "STSong-Light"

# BodyPartExamined -> 检查部位; examWay (000 §1.1.2 field 14) -> 检查方式.
_BODY_PARTS: Final = {
    "HEAD": "头颅", "HEADNECK": "头颈部", "NECK": "颈部", "CHEST": "胸部", "HEART": "心脏",
    "ABDOMEN": "腹部", "KIDNEY": "泌尿系", "CSPINE": "颈椎", "LSPINE": "腰椎", "KNEE": "膝关节",
    "BREAST": "乳腺", "WHOLEBODY": "全身",
}
_EXAM_WAYS: Final = {"1": "平扫", "2": "增强", "3": "CTA", "4": "MRA", "5": "MRV", "6": "MRCP",
                     "7": "MRU", "8": "MRP", "9": "其它"}
_SEX: Final = {"1": "男", "2": "女", "9": "未说明"}
_NO_LINE_START: Final = "，。、；：？！）」』》〉】,.;:?!)%"


@functools.cache
def report_font() -> tuple[str, str | None]:
    """(registered reportlab font name, font file or None for the CID fallback)."""
    override = os.environ.get("IMGCLOUD_CJK_FONT")
    for candidate in ([override] if override else []) + list(FONT_CANDIDATES):
        path = Path(candidate)
        if not path.is_file():
            continue
        name = f"ImgcloudCJK-{path.stem}"
        try:
            font = TTFont(name, str(path), subfontIndex=0) if path.suffix.lower() == ".ttc" \
                else TTFont(name, str(path))
        except (TTFError, OSError, ValueError, KeyError):
            continue
        pdfmetrics.registerFont(font)
        return name, str(path)
    pdfmetrics.registerFont(UnicodeCIDFont(_FALLBACK))
    return _FALLBACK, None


def wrap_cjk(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width`` points, broken between any two characters
    except before closing punctuation (a light 禁则 rule); explicit newlines kept."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if line and stringWidth(line + char, font, size) > width and char not in _NO_LINE_START:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _fields(exam: Exam) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    patient = exam.patient
    inpatient = exam.patient_class == "inpatient"
    person = [
        ("姓名", patient.name), ("性别", _SEX.get(patient.gend, "未知")),
        ("年龄", f"{int(exam.age)}岁"),
        ("住院号" if inpatient else "门诊号", patient.ipt_no if inpatient else patient.patient_id),
        ("检查号", exam.accession_no), ("申请科室", exam.apply_dept),
        ("病区", exam.ward_name or "—"), ("申请医生", exam.billing_doctor.name),
        ("临床诊断", exam.clinical_diag),
    ]
    study = [
        ("检查项目", exam.item.name), ("检查部位", _BODY_PARTS.get(exam.body_part, exam.body_part)),
        ("检查方式", _EXAM_WAYS.get(exam.exam_way, exam.exam_way)),
        ("检查日期", _when(exam.exam_time)), ("检查设备", f"{exam.device.name}（{exam.device.room}）"),
    ]
    return person, study


class _Page:
    """Draws top to bottom on one A4 page."""

    def __init__(self, canvas: Canvas, font: str) -> None:
        self.c, self.font = canvas, font
        self.width, self.height = A4
        self.left, self.right = 50.0, A4[0] - 50.0
        self.y = A4[1] - 60.0

    def text(self, x: float, text: str, size: float = 10.5) -> None:
        self.c.setFont(self.font, size)
        self.c.drawString(x, self.y, text)

    def centred(self, text: str, size: float) -> None:
        self.c.setFont(self.font, size)
        self.c.drawCentredString(self.width / 2, self.y, text)

    def rule(self, gap: float = 8.0, weight: float = 0.8) -> None:
        self.c.setLineWidth(weight)
        self.c.line(self.left, self.y, self.right, self.y)
        self.y -= gap

    def grid(self, pairs: Iterable[tuple[str, str]], columns: int = 3, size: float = 10.5) -> None:
        """``label：value`` cells, ``columns`` to a row; a value too long for its cell takes
        a row of its own."""
        width = (self.right - self.left) / columns
        col = 0
        for label, value in pairs:
            text = f"{label}：{value}"
            if stringWidth(text, self.font, size) > width - 6:
                if col:
                    self.y -= size + 7
                self.text(self.left, text, size)
                self.y -= size + 7
                col = 0
                continue
            self.text(self.left + col * width, text, size)
            col += 1
            if col == columns:
                self.y -= size + 7
                col = 0
        if col:
            self.y -= size + 7

    def section(self, title: str, body: str, size: float = 11.0) -> None:
        self.text(self.left, title, 12.5)
        self.y -= 20
        for line in wrap_cjk(body, self.font, size, self.right - self.left - 24):
            self.text(self.left + 24, line, size)
            self.y -= size + 7
        self.y -= 8


def make_report_pdf(exam: Exam) -> bytes:
    """The report of ``exam`` as a one-page A4 PDF (bytes, deterministic)."""
    font, _path = report_font()
    buffer = io.BytesIO()
    title = f"{exam.institution.name} 医学影像检查报告单"
    c = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(f"{title} {exam.accession_no}")
    c.setAuthor(exam.report_doctor.name)
    c.setSubject(exam.item.name)
    c.setCreator("imgcloud-sandbox")
    c.setKeywords([exam.accession_no, exam.report_no])
    page = _Page(c, font)

    size = 18.0
    while stringWidth(title, font, size) > page.right - page.left and size > 12:
        size -= 1
    page.centred(title, size)
    page.y -= 20
    page.text(page.left, f"报告编号：{exam.report_no}", 9)
    page.c.drawRightString(page.right, page.y, f"检查科室：{exam.exam_dept}")
    page.y -= 10
    page.rule(gap=18, weight=1.2)
    person, study = _fields(exam)
    page.grid(person)
    page.y -= 2
    page.rule(gap=18)
    page.grid(study, columns=2)
    page.y -= 2
    page.rule(gap=22)
    page.section("影像所见：", exam.findings)
    page.section("诊断意见：", exam.conclusion, size=12.0)
    if exam.advice:
        page.section("建议：", exam.advice, size=10.5)
    if exam.critical_value and exam.critical_value != "无":
        page.section("危急值：", exam.critical_value, size=10.5)

    page.y = 130.0
    page.rule(gap=22)
    page.grid([("报告医生", exam.report_doctor.name), ("报告时间", _when(exam.report_time)),
               ("审核医生", exam.audit_doctor.name), ("审核时间", _when(exam.audit_time))], columns=2)
    page.y = 52.0
    page.rule(gap=14, weight=0.5)
    page.text(page.left, "本报告仅供临床参考，以医师签名的正式报告为准。", 8.5)
    page.c.drawRightString(page.right, page.y, "第 1 页 / 共 1 页")
    page.y -= 12
    page.text(page.left, "影像云沙箱（imgcloud-sandbox）生成的模拟数据，不含真实患者信息。", 8.5)
    c.showPage()
    c.save()
    return buffer.getvalue()
