"""Report PDFs (sim.synth.pdf)."""

from __future__ import annotations

import base64
import dataclasses
import re
import shutil
import subprocess
import zlib
from datetime import date

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from sim.fakedata import Exam, make_exams, make_institutions
from sim.synth import make_report_pdf, report_font
from sim.synth.pdf import wrap_cjk


@pytest.fixture(scope="module")
def exams() -> list[Exam]:
    hospitals = make_institutions(4, 4, admdvs="510800")
    centre = make_institutions(4, 1, "imaging_centre", admdvs="510800")[0]
    return make_exams(4, 12, hospitals=hospitals, centre=centre, on=date(2026, 11, 20))


# --- text extraction: poppler's pdftotext, else a minimal reader of reportlab's output ---------


def _streams(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number -> (dictionary, decoded stream) for every stream object."""
    out = {}
    for m in re.finditer(rb"(\d+) 0 obj\s*<<((?:(?!endobj).)*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        head, data = m.group(2), m.group(3).strip()
        if b"ASCII85Decode" in head:
            data = base64.a85decode(data, adobe=True)
        if b"FlateDecode" in head:
            data = zlib.decompress(data)
        out[int(m.group(1))] = (head, data)
    return out


def _literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes (escapes resolved)."""
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:  # backslash
            nxt = raw[i + 1:i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def _mini_pdftotext(pdf: bytes) -> str:
    streams = _streams(pdf)
    cmaps: dict[str, dict[int, str]] = {}
    for font in re.finditer(rb"<<([^<>]*?/ToUnicode (\d+) 0 R[^<>]*?)>>", pdf, re.S):
        name = re.search(rb"/Name /(\S+)", font.group(1))
        if name and int(font.group(2)) in streams:
            cmap = streams[int(font.group(2))][1]
            pairs = re.findall(rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>", cmap)
            table = {int(a, 16): chr(int(b, 16)) for a, b in pairs}
            cmaps[name.group(1).decode()] = table
    lines = []
    for _head, data in streams.values():
        font = None
        for m in re.finditer(rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", data, re.S):
            if m.group(1):
                font = m.group(1).decode()
                continue
            raw = _literal(m.group(2))
            if font in cmaps:
                lines.append("".join(cmaps[font].get(b, "?") for b in raw))
            else:  # CID fallback font (UniGB-UCS2-H): UTF-16BE
                lines.append(raw.decode("utf-16-be", "replace") if len(raw) % 2 == 0 else raw.decode("latin-1"))
    return "\n".join(lines)


def _text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=30)
        assert result.returncode == 0, result.stderr
        return result.stdout.decode("utf-8")
    return _mini_pdftotext(pdf)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- tests -------------------------------------------------------------------------------------


def test_pdf_is_a_deterministic_one_page_a4(exams: list[Exam]) -> None:
    pdf = make_report_pdf(exams[0])
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf == make_report_pdf(exams[0])
    assert pdf != make_report_pdf(exams[1])
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") == 1
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf
    assert 10_000 < len(pdf) < 400_000


def test_pdf_text_has_the_patient_and_the_conclusion(exams: list[Exam], tmp_path) -> None:
    for exam in exams[:4]:
        text = _flat(_text(make_report_pdf(exam), tmp_path))
        assert exam.patient.name in text
        assert _flat(exam.conclusion) in text
        assert _flat(exam.findings) in text
        assert exam.accession_no in text
        assert f"{exam.institution.name}医学影像检查报告单" in text
        assert exam.report_doctor.name in text and exam.audit_doctor.name in text
        number = exam.patient.ipt_no if exam.patient_class == "inpatient" else exam.patient.patient_id
        assert number in text


def test_pdf_metadata_comes_from_the_exam(exams: list[Exam]) -> None:
    exam = exams[0]
    pdf = make_report_pdf(exam)
    assert b"/CreationDate (D:20000101000000+00'00')" in pdf  # reportlab's invariant date
    assert b"imgcloud-sandbox" in pdf
    later = exam.report_time.replace(minute=(exam.report_time.minute + 1) % 60)
    shifted = dataclasses.replace(exam, report_time=later)
    assert make_report_pdf(shifted) != pdf


def test_a_cjk_font_is_embedded(exams: list[Exam]) -> None:
    name, path = report_font()
    pdf = make_report_pdf(exams[0])
    if path is None:  # no CJK TrueType font on this machine: the CID fallback
        assert name == "STSong-Light" and b"/STSong-Light" in pdf
    else:
        assert name.startswith("ImgcloudCJK-")
        assert b"/FontFile2" in pdf and re.search(rb"/BaseFont /[A-Z]{6}\+", pdf)


def test_cid_fallback_without_a_font_file(exams: list[Exam], monkeypatch: pytest.MonkeyPatch) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    import sim.synth.pdf as pdf_module

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    monkeypatch.setattr(pdf_module, "report_font", lambda: ("STSong-Light", None))
    pdf = make_report_pdf(exams[0])
    assert pdf.startswith(b"%PDF-") and b"/STSong-Light" in pdf and b"/FontFile2" not in pdf
    assert pdf == make_report_pdf(exams[0])
    text = _flat(_mini_pdftotext(pdf))
    assert exams[0].patient.name in text and _flat(exams[0].conclusion) in text


def test_wrap_cjk_keeps_lines_inside_and_punctuation_attached() -> None:
    name, _path = report_font()
    text = "双肺纹理增多、紊乱，双肺透亮度增高，肋间隙增宽，膈肌低平。" * 4
    lines = wrap_cjk(text, name, 11, 120)
    assert "".join(lines) == text
    assert all(stringWidth(line[:-1], name, 11) <= 120 for line in lines)
    assert not any(line[0] in "，。、；：" for line in lines)
    assert wrap_cjk("第一行\n第二行", name, 11, 400) == ["第一行", "第二行"]
