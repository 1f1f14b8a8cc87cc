"""A scanned paper request form as a DICOM image (seeds/004 §3.2.3.2.1): "如果有扫描的纸质申请单，
可作为检查影像一起上传。非DICOM格式的扫描申请单需要转换为DICOM格式，PatientID、Study Instance UID、Accession
Number需要与检查图像保持一致。同时扫描申请单的影像序列的序列号（Series Number）要设置为0。"

Secondary Capture (PS3.3 A.8.1) with ConversionType ``SD`` (scanned document), Modality ``OT``,
SeriesNumber 0, the study's patient and identifiers; the pixels are the form drawn with a CJK
font when one is installed (``sim.synth.pdf.report_font``'s candidates), else the default font.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.uid import UID, ExplicitVRLittleEndian

from sim.fakedata.exams import Exam
from sim.synth.dicom import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME
from sim.synth.pdf import FONT_CANDIDATES

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
WIDTH, HEIGHT = 620, 440


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            try:
                return ImageFont.truetype(candidate, size)
            except OSError:
                continue
    return ImageFont.load_default()


def form_pixels(lines: list[str]) -> np.ndarray:
    """The form as an 8-bit grayscale page: dark text on white, a frame."""
    page = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(page)
    draw.rectangle((10, 10, WIDTH - 10, HEIGHT - 10), outline=0, width=2)
    title, body = _font(26), _font(18)
    draw.text((30, 24), lines[0], fill=0, font=title)
    for i, line in enumerate(lines[1:]):
        draw.text((30, 76 + 30 * i), line, fill=20, font=body)
    return np.asarray(page, dtype=np.uint8)


def make_request_form(exam: Exam, *, apply_no: str, patient_id: str | None = None) -> bytes:
    """The scanned request form of ``exam`` as a Part-10 file (series number 0)."""
    p = exam.patient
    lines = ["检查申请单 / Request form", f"申请单号 {apply_no}", f"姓名 {p.name}  性别 {'男' if p.gend == '1' else '女'}",
             f"检查项目 {exam.item.name}", f"临床诊断 {exam.clinical_diag}", f"申请科室 {exam.apply_dept}",
             f"申请医生 {exam.billing_doctor.name}  {exam.apply_time:%Y-%m-%d %H:%M}"]
    pixels = form_pixels(lines)
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID, ds.SOPInstanceUID = SECONDARY_CAPTURE, f"{exam.study_uid}.0.1"
    ds.StudyDate, ds.StudyTime = f"{exam.exam_time:%Y%m%d}", f"{exam.exam_time:%H%M%S}"
    ds.AccessionNumber, ds.Modality, ds.ConversionType = exam.accession_no, "OT", "SD"
    ds.InstitutionName, ds.ReferringPhysicianName = exam.institution.name, exam.billing_doctor.name
    ds.StudyDescription, ds.SeriesDescription = exam.item.name, "扫描申请单 / scanned request form"
    ds.PatientName, ds.PatientID = p.name, patient_id or p.patient_id
    ds.PatientBirthDate, ds.PatientSex = f"{p.birth:%Y%m%d}", {"1": "M", "2": "F"}.get(p.gend, "O")
    ds.StudyInstanceUID, ds.SeriesInstanceUID = exam.study_uid, f"{exam.study_uid}.0"
    ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = exam.accession_no[-16:], 0, 1
    ds.PatientOrientation = ""
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = pixels.tobytes()
    ds.BurnedInAnnotation, ds.LossyImageCompression = "YES", "00"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID(IMPLEMENTATION_CLASS_UID)
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    ds.file_meta, ds.preamble = meta, b"\0" * 128
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()
