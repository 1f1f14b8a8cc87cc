"""The QR code of 001 §4.3.1: the film URL as a QR code (segno, a regular QR symbol, error
correction M) with the prompt "扫描查看数字影像" under it, as one PNG.

The prompt needs a CJK font: the first of ``FONTS`` present (``IMGCLOUD_CJK_FONT`` first; Debian
``fonts-wqy-microhei`` or ``fonts-noto-cjk``); without one the PNG is the bare QR code (still what
a scanner reads) and ``captioned`` is False.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

PROMPT = "扫描查看数字影像"
FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
         "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc")
SCALE, BORDER = 6, 4


@dataclass(frozen=True)
class QrImage:
    png: bytes
    captioned: bool


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | None:
    override = os.environ.get("IMGCLOUD_CJK_FONT")
    for candidate in ([override] if override else []) + list(FONTS):
        if Path(candidate).is_file():
            try:
                return ImageFont.truetype(candidate, size)
            except OSError:
                continue
    return None


def qr_png(text: str) -> QrImage:
    """The QR code of ``text`` with the prompt under it."""
    symbol = segno.make_qr(text, error="m")
    buffer = io.BytesIO()
    symbol.save(buffer, kind="png", scale=SCALE, border=BORDER)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    font = _font(max(14, code.width // 12))
    if font is None:
        return QrImage(buffer.getvalue(), captioned=False)
    left, top, right, bottom = (int(v) for v in font.getbbox(PROMPT))
    height = bottom - top + 2 * SCALE * 2
    canvas = Image.new("L", (max(code.width, right - left + 4 * SCALE), code.height + height), 255)
    canvas.paste(code, ((canvas.width - code.width) // 2, 0))
    ImageDraw.Draw(canvas).text(((canvas.width - (right - left)) // 2 - left, code.height + SCALE - top), PROMPT,
                                fill=0, font=font)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return QrImage(out.getvalue(), captioned=True)
