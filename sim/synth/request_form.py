"""The scanned paper request form (扫描申请单) of an exam as a DICOM Secondary Capture image:
seeds/004 §3.2.3.2.1 asks that a scanned form travel with the study as series number 0, with
the study's PatientID, Study Instance UID and Accession Number.

The page is drawn (PIL, the report's CJK font) from the exam's order: hospital, apply number,
patient, department, item, clinical diagnosis, history, ordering doctor; then made to look
scanned (grey paper, a slight tilt, noise), deterministically from the seed.  Secondary
Capture Image Storage, ConversionType ``SD`` (scanned document, PS3.3 C.8.6.1), Modality
``OT``; the text of the data set in the hospital's character-set form, like its images.
"""
from __future__ import annotations

import functools
from typing import Final

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reference.dicomtext import FORMS
from sim.fakedata.exams import Exam, Series
from sim.synth import dicom
from sim.synth.pdf import report_font
from sim.synth.phantoms import Frame, generator

__all__ = ["FORM_SERIES_NUMBER", "make_request_form", "form_series"]

FORM_SERIES_NUMBER: Final = 0
_PAGE: Final = (1169, 827)  # rows, columns: A4 at 100 dpi
_MM_PER_PIXEL: Final = 25.4 / 100
_SEX: Final = {"1": "男", "2": "女"}
_CLASS: Final = {"outpatient": "门诊", "inpatient": "住院", "emergency": "急诊"}


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    _name, path = report_font()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default()


def form_series(exam: Exam) -> Series:
    """The form's series: number 0; its UID under the study's (arc .0.2; .0.1 is the frame of reference)."""
    uid = f"{exam.study_uid}.0.2"
    return Series(uid, FORM_SERIES_NUMBER, "扫描申请单", (f"{uid}.1",))


def _lines(exam: Exam, apply_no: str | None = None) -> list[tuple[str, str]]:
    p = exam.patient
    return [
        ("申请单号", apply_no or exam.apply_no), ("检查号", exam.accession_no),
        ("姓名", p.name), ("性别", _SEX.get(p.gend, "未说明")), ("年龄", f"{int(exam.age)}岁"),
        ("病人ID", p.patient_id), ("就诊类别", _CLASS.get(exam.patient_class, "门诊")),
        ("申请科室", exam.apply_dept), ("病区", exam.ward_name or "—"),
        ("检查项目", exam.item.name), ("临床诊断", exam.clinical_diag),
        ("主诉", exam.chief_complaint), ("病史摘要", exam.illness_history),
        ("申请医生", exam.billing_doctor.name), ("申请时间", f"{exam.apply_time:%Y-%m-%d %H:%M}"),
    ]


def render_page(exam: Exam, seed: object, apply_no: str | None = None) -> np.ndarray:
    """The scanned page, 8-bit grey (rows x columns)."""
    rows, cols = _PAGE
    page = Image.new("L", (cols, rows), 255)
    draw = ImageDraw.Draw(page)
    draw.text((cols // 2, 60), exam.institution.name, font=_font(34), fill=20, anchor="mm")
    draw.text((cols // 2, 110), "医学影像检查申请单", font=_font(30), fill=20, anchor="mm")
    draw.rectangle((50, 150, cols - 50, rows - 120), outline=40, width=2)
    y = 175
    for label, value in _lines(exam, apply_no):
        draw.text((70, y), f"{label}：", font=_font(20), fill=25)
        text = value if len(value) <= 30 else value[:30] + "…"
        draw.text((200, y), text, font=_font(20), fill=35)
        y += 44
        draw.line((60, y - 10, cols - 60, y - 10), fill=170, width=1)
    draw.text((cols - 260, rows - 90), f"医师签名：{exam.billing_doctor.name}", font=_font(20), fill=30)
    g = generator("request-form", seed, exam.study_uid)
    tilted = page.rotate(float(g.uniform(-0.8, 0.8)), resample=Image.Resampling.BILINEAR, fillcolor=255)
    pixels = np.asarray(tilted, dtype=np.float32) * 0.92 + 8  # grey paper, ink not quite black
    pixels += g.normal(0.0, 3.0, pixels.shape).astype(np.float32)
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


def make_request_form(exam: Exam, *, seed: object, charset: str = "utf8", apply_no: str | None = None) -> dicom.Instance:
    """The exam's scanned request form: one Secondary Capture instance in series 0 (``apply_no``:
    the apply number another system gave the order, e.g. the regional platform's ApplyNo)."""
    form = FORMS[charset]
    series = form_series(exam)
    pixels = render_page(exam, seed, apply_no)
    frame = Frame(pixels, (_MM_PER_PIXEL, _MM_PER_PIXEL), ("DERIVED", "SECONDARY"), ((127.5, 256.0, "PAGE"),), "OT",
                  bits_stored=8, extra={"conversion_type": "SD", "patient_orientation": ()})
    sop_uid = series.instance_uids[0]
    sop_class = dicom.SOP_CLASSES["SC"]
    ds = dicom._dataset(exam, series, frame, 1, 1, sop_uid, sop_class, f"{seed}:{exam.study_uid}", form)
    return dicom.Instance(exam.study_uid, series.uid, sop_uid, sop_class, series.number, 1, dicom._encode(ds, form))
