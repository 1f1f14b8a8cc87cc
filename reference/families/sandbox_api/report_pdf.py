"""The conformance report as PDF (issue 13): the same content as the HTML page (``report.build``),
as tables, in Chinese with English.  Font: WenQuanYi (Debian ``fonts-wqy-microhei``, embedded as a
subset; ``IMGCLOUD_CJK_FONT`` overrides), else reportlab's built-in CID font STSong-Light (not
embedded: viewers substitute a Song typeface)."""
from __future__ import annotations

import functools
import io
import os
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FALLBACK = "STSong-Light"
FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
         "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")


@functools.cache
def font() -> str:
    """The registered name of the first usable CJK TrueType font, else the CID fallback."""
    override = os.environ.get("IMGCLOUD_CJK_FONT")
    for candidate in ([override] if override else []) + list(FONTS):
        path = Path(candidate)
        if path.is_file():
            try:
                pdfmetrics.registerFont(TTFont(f"ReportCJK-{path.stem}", str(path), subfontIndex=0))
            except (TTFError, OSError, ValueError, KeyError):
                continue
            return f"ReportCJK-{path.stem}"
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FALLBACK


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=font(), fontSize=8, leading=10, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=16, spaceBefore=6, spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=20, spaceAfter=6)
    return title, head, body


def _table(rows: list[list[str]], body: ParagraphStyle, widths: list[float]) -> Table:
    cells = [[Paragraph(_escape(cell), body) for cell in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def report_pdf(content: dict[str, Any], scope: dict[str, Any], generated: str, base: str) -> bytes:
    title, head, body = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title="conformance report", invariant=1)
    score = f"{content['score']:.1f}%" if content["score"] is not None else "—"
    story: list[Any] = [
        Paragraph("一致性报告 / conformance report", title),
        Paragraph(_escape(f"范围 / scope: 机构 institution {scope.get('institution') or '全部 all'} · 接口族 family "
                          f"{scope.get('family') or '全部 all'} · 生成于 generated {generated}"), body),
        Paragraph(f"总分 / overall score: {score}（{content['judged']} 个已判定交换 / exchanges judged, "
                  f"共 {content['total']} 条 / of {content['total']}）", head),
        Paragraph("按接口族 / per interface family", head),
        _table([["接口族 family", "操作 operations", "pass", "warn", "fail", "error", "得分 score", "失败的交换 failing"]]
               + [[f"{r.name} {r.title}", ", ".join(f"{op} ×{n}" for op, n in r.operations.most_common()),
                   str(r.verdicts["pass"]), str(r.verdicts["warn"]), str(r.verdicts["fail"]), str(r.verdicts["error"]),
                   f"{r.score:.1f}%" if r.score is not None else "—",
                   " ".join(f"#{e['id']}" for e in r.failing[:10])] for r in content["families"]],
               body, [60 * mm, 70 * mm, 12 * mm, 12 * mm, 12 * mm, 12 * mm, 18 * mm, 77 * mm]),
        Spacer(1, 4 * mm),
        Paragraph("按文档章节 / per seed section", head),
        _table([["章节 section", "失败的规则 rules failed", "未违反的规则 rules not failed", "失败的交换 failing"]]
               + [[s.section, ", ".join(f"{rule} ×{n}" for rule, n in s.failed.most_common()), str(len(s.passed)),
                   " ".join(f"#{e['id']}" for e in s.exchanges[:10])] for s in content["sections"]],
               body, [50 * mm, 110 * mm, 30 * mm, 83 * mm]),
        Spacer(1, 4 * mm),
        Paragraph(_escape(f"交换详情 / each exchange: {base}/_sandbox/console/exchanges/<uid>"), body),
    ]
    doc.build(story)
    return out.getvalue()
