"""Deterministic DICOM Part-10 studies for a generated :class:`~sim.fakedata.exams.Exam`.

Identities come from the exam: the study is ``exam.study_uid``; series ``n`` of the exam
keeps its UID and description, and instance ``k`` of it is ``{series_uid}.{k}`` (so the
exam's own ``instance_uids`` are the first instances).  Pixels come from
:mod:`sim.synth.phantoms` and depend on ``seed`` and the exam; no clock, no uuid4: the same
exam and seed give byte-identical files.

Encoding: Explicit VR Little Endian, one storage SOP class per modality (PS3.4 B.5): CT, MR,
DX / CR / MG (for presentation), US, NM and PET Image Storage; Secondary Capture for any
other modality (XA, RF ...) and for the scanned request form (``make_request_form``: series
number 0, as seeds/004 §3.2.3.2.1 asks).  DR, a vendor term used in China, is stored as DX.
In a PET/CT study the CT series is CT Image Storage with Modality CT.  Every file passes
dicom3tools' ``dciodvfy`` without errors (``tests/synth/test_iod.py``).

Text: ``charset`` names a form of ``reference.dicomtext.forms`` (the hospital profile's
``dicom_charset``): the default ``utf8`` writes ``ISO_IR 192`` and person names as
alphabetic and ideographic component groups (``Zhang^San=张^三``, PS3.5 §6.2.1.2); the
others are written by re-encoding that file (``reference.dicomtext.transcode``): GB18030,
GBK, ``ISO 2022 IR 6\\ISO 2022 IR 58``, pinyin only (no (0008,0005)), or one of the named
faults (a (0008,0005) that disagrees with the bytes).
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID, ExplicitVRLittleEndian
from pydicom.valuerep import format_number_as_ds

from reference.dicomtext import FORMS, Form, person_name, transcode_file
from sim.fakedata.exams import UID_ROOT, Exam, Series
from sim.synth import phantoms
from sim.synth.phantoms import Frame, Subject

__all__ = [
    "IMPLEMENTATION_CLASS_UID",
    "IMPLEMENTATION_VERSION_NAME",
    "SOP_CLASSES",
    "Instance",
    "default_instance_count",
    "make_study",
    "subject_for",
]

# Arc .2 of the sandbox root is its software (arc .1 holds the studies of sim.fakedata).
IMPLEMENTATION_CLASS_UID: Final = f"{UID_ROOT}.2.1"
IMPLEMENTATION_VERSION_NAME: Final = "IMGCLOUD_SBX"

# Storage SOP classes, DICOM PS3.4 Annex B.5 (Standard SOP Classes).
SOP_CLASSES: Final = {
    "CT": "1.2.840.10008.5.1.4.1.1.2",  # CT Image Storage
    "MR": "1.2.840.10008.5.1.4.1.1.4",  # MR Image Storage
    "CR": "1.2.840.10008.5.1.4.1.1.1",  # Computed Radiography Image Storage
    "DX": "1.2.840.10008.5.1.4.1.1.1.1",  # Digital X-Ray Image Storage - For Presentation
    "MG": "1.2.840.10008.5.1.4.1.1.1.2",  # Digital Mammography X-Ray Image Storage - For Presentation
    "US": "1.2.840.10008.5.1.4.1.1.6.1",  # Ultrasound Image Storage
    "NM": "1.2.840.10008.5.1.4.1.1.20",  # Nuclear Medicine Image Storage
    "PT": "1.2.840.10008.5.1.4.1.1.128",  # Positron Emission Tomography Image Storage
    "SC": "1.2.840.10008.5.1.4.1.1.7",  # Secondary Capture Image Storage
}

# BodyPartExamined -> anatomic region (SNOMED CT, DICOM PS3.16 CID 4031).
_ANATOMY: Final = {
    "HEAD": ("69536005", "Head"), "HEADNECK": ("774007", "Head and Neck"),
    "NECK": ("45048000", "Neck"), "CHEST": ("43799004", "Chest"), "HEART": ("80891009", "Heart"),
    "ABDOMEN": ("818983003", "Abdomen"), "KIDNEY": ("64033007", "Kidney"),
    "CSPINE": ("122494005", "Cervical spine"), "LSPINE": ("122496007", "Lumbar spine"),
    "KNEE": ("72696002", "Knee"), "BREAST": ("76752008", "Breast"),
    "WHOLEBODY": ("38266002", "Entire body"),
}
# Device vendors as their DICOM Manufacturer is usually written.
_VENDORS: Final = {
    "联影": "UIH", "万东": "Wandong", "西门子": "SIEMENS", "GE": "GE MEDICAL SYSTEMS",
    "飞利浦": "Philips", "岛津": "SHIMADZU", "柯达": "Kodak", "富士": "FUJIFILM Corporation",
    "Hologic": "HOLOGIC, Inc.", "迈瑞": "Mindray", "开立": "SonoScape", "三星": "SAMSUNG MEDISON",
    "东软": "Neusoft",
}
# DX ViewPosition -> View Code Sequence item (SNOMED CT, DICOM PS3.16 CID 4010 DX View).
_DX_VIEWS: Final = {"PA": ("399348003", "SCT", "postero-anterior"), "AP": ("399182009", "SCT", "antero-posterior"),
                    "LL": ("399173006", "SCT", "left lateral"), "RL": ("399198007", "SCT", "right lateral")}
# Body parts that are paired structures: a US series of one names its side (Laterality, C.7.3.1).
_PAIRED: Final = frozenset({"KIDNEY", "BREAST", "KNEE"})
# MR acquisition parameters per weighting: ScanningSequence, SequenceVariant, TR, TE, TI, flip.
_MR_PARAMS: Final = {
    "t1": ("SE", "SP", 450.0, 12.0, None, 90.0), "t1c": ("SE", "SP", 450.0, 12.0, None, 90.0),
    "t2": ("SE", "SK\\SP", 4000.0, 100.0, None, 90.0), "t2fs": ("SE", "SK\\SP", 4000.0, 85.0, None, 90.0),
    "flair": ("SE\\IR", "SK\\SP\\MP", 9000.0, 120.0, 2500.0, 150.0),
    "stir": ("SE\\IR", "SK\\SP\\MP", 3500.0, 60.0, 160.0, 150.0),
    "pd": ("SE", "SK\\SP", 2500.0, 30.0, None, 90.0), "pdfs": ("SE", "SK\\SP", 3000.0, 35.0, None, 90.0),
    "dwi": ("EP", "SK\\SP", 4500.0, 80.0, None, 90.0), "tof": ("GR", "SP", 22.0, 3.5, None, 18.0),
    "mrcp": ("SE", "SK\\SP", 3000.0, 700.0, None, 90.0), "localizer": ("GR", "SP", 8.6, 4.0, None, 20.0),
}


@dataclass(frozen=True)
class Instance:
    """One stored image: its identities and the complete Part-10 file."""

    study_uid: str
    series_uid: str
    sop_instance_uid: str
    sop_class_uid: str
    series_number: int
    instance_number: int
    data: bytes


# --- public API --------------------------------------------------------------------------


def make_study(exam: Exam, *, seed: object, instances_per_series: int | None = None,
               charset: str = "utf8", max_per_series: int | None = None) -> list[Instance]:
    """Every image of ``exam``: its series (``exam.series``), each with
    ``instances_per_series`` images or, when None, the sandbox default for the series kind
    (at least as many as the exam lists; at most ``max_per_series`` beyond those, for small
    demo studies), text written in the form ``charset``.
    Deterministic in ``exam``, ``seed``, ``charset`` and ``max_per_series``."""
    if instances_per_series is not None and instances_per_series < 1:
        raise ValueError("instances_per_series must be at least 1")
    form = FORMS[charset]
    subject = subject_for(exam)
    key = f"{seed}:{exam.study_uid}"
    out: list[Instance] = []
    for series in exam.series:
        count = instances_per_series or default_instance_count(exam, series, seed)
        if max_per_series is not None and instances_per_series is None:
            count = min(count, max(max_per_series, len(series.instance_uids)))
        frames = phantoms.series_frames(exam.modality, exam.body_part, series.description, count,
                                        subject, key, item_name=exam.item.name)
        assert len(frames) == count, (series.description, len(frames), count)
        for k, frame in enumerate(frames, start=1):
            sop_uid = f"{series.uid}.{k}"
            if len(sop_uid) > 64:
                raise ValueError(f"SOP Instance UID longer than 64 characters: {sop_uid}")
            sop_class = _sop_class(frame.modality)
            ds = _dataset(exam, series, frame, k, len(frames), sop_uid, sop_class, key, form)
            out.append(Instance(exam.study_uid, series.uid, sop_uid, sop_class, series.number, k, _encode(ds, form)))
    return out


def subject_for(exam: Exam) -> Subject:
    """Sex, result (examRsltCode 2 = positive) and the side named first in the exam's texts."""
    side = next((c for c in exam.chief_complaint + exam.findings if c in "左右"), "右")
    return Subject(sex="F" if exam.patient.gend == "2" else "M", positive=exam.exam_rslt_code == "2",
                   side="L" if side == "左" else "R")


def default_instance_count(exam: Exam, series: Series, seed: object) -> int:
    """The sandbox's default image count for a series (never fewer than the exam lists):
    localizers 1 (MR: 3 planes), MIP/VR/CPR reformats 6, CT 20-30, MR 15-20, PET/CT 20-24,
    US 3-6, radiographs, mammograms and NM whole-body scans 1."""
    stream = random.Random(f"{seed}:{exam.study_uid}:{series.number}:count")
    words = series.description.upper().split()
    if {"TOPOGRAM", "SCOUT"} & set(words):
        n = 1
    elif "LOCALIZER" in words:
        n = 3 if exam.modality == "MR" else 1
    elif {"MIP", "VR", "CPR"} & set(words):
        n = 6
    elif exam.modality == "CT":
        n = stream.randint(20, 30)
    elif exam.modality == "MR":
        n = stream.randint(15, 20)
    elif exam.modality == "PT":
        n = stream.randint(20, 24)
    elif exam.modality == "US":
        n = stream.randint(3, 6)
    else:
        n = 1
    return max(n, len(series.instance_uids))


# --- attributes --------------------------------------------------------------------------


def _sop_class(modality: str) -> str:
    return SOP_CLASSES.get(modality, SOP_CLASSES["SC"])


def _ds(value: float) -> str:
    return format_number_as_ds(float(round(value, 6)))


def _da(day: date) -> str:
    return day.strftime("%Y%m%d")


def _tm(moment: datetime) -> str:
    return moment.strftime("%H%M%S")


def _age(birth: date, on: date) -> str:
    """PatientAge (AS): ``nnnY``, or months / days for infants."""
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if years >= 1:
        return f"{min(years, 999):03d}Y"
    months = (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)
    return f"{months:03d}M" if months >= 1 else f"{max((on - birth).days, 0):03d}D"


def _size_weight(exam: Exam, seed: object) -> tuple[float, float]:
    """A plausible height (m) and weight (kg), deterministic per patient."""
    stream = random.Random(f"{seed}:{exam.patient.patient_id}:body")
    years = int(exam.age)
    male = exam.patient.gend == "1"
    adult = stream.uniform(1.62, 1.82) if male else stream.uniform(1.50, 1.70)
    height = adult if years >= 18 else min(adult, 0.75 + 0.058 * years)
    weight = stream.uniform(19.0, 26.5) * height * height
    return round(height, 2), round(weight, 1)


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _equipment(exam: Exam) -> tuple[str, str]:
    vendor, _, model = exam.device.name.partition(" ")
    return _VENDORS.get(vendor, vendor), (model or exam.device.name)


def _names(exam: Exam, form: Form) -> dict[str, str]:
    """Every person name of the exam as a PN value in the form's name style."""
    people = {"PatientName": exam.patient.name, "ReferringPhysicianName": exam.billing_doctor.name,
              "PerformingPhysicianName": exam.exam_doctor.name, "NameOfPhysiciansReadingStudy": exam.report_doctor.name,
              "OperatorsName": exam.technician.name}
    return {k: person_name(v, form.names) for k, v in people.items()}


def _dataset(exam: Exam, series: Series, frame: Frame, number: int, count: int, sop_uid: str,
             sop_class: str, key: str, form: Form) -> Dataset:
    ds = Dataset()
    names = _names(exam, form)
    series_time = exam.exam_time + timedelta(minutes=3 * (series.number - 1))
    content_time = series_time + timedelta(seconds=number)
    modality = frame.modality
    # SOP common
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.ImageType = [v for v in frame.image_type if v]
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_uid
    ds.InstanceCreationDate, ds.InstanceCreationTime = _da(content_time.date()), _tm(content_time)
    # study, series, equipment
    ds.StudyDate, ds.SeriesDate = _da(exam.exam_time.date()), _da(series_time.date())
    ds.AcquisitionDate, ds.ContentDate = _da(content_time.date()), _da(content_time.date())
    ds.StudyTime, ds.SeriesTime = _tm(exam.exam_time), _tm(series_time)
    ds.AcquisitionTime, ds.ContentTime = _tm(content_time), _tm(content_time)
    ds.AccessionNumber = exam.accession_no
    ds.Modality = modality
    manufacturer, model = _equipment(exam)
    ds.Manufacturer = manufacturer
    ds.InstitutionName = exam.institution.name
    ds.InstitutionAddress = exam.institution.address
    ds.ReferringPhysicianName = names["ReferringPhysicianName"]
    ds.StationName = exam.device.room
    ds.StudyDescription = exam.item.name
    ds.SeriesDescription = series.description
    ds.InstitutionalDepartmentName = exam.exam_dept
    ds.PerformingPhysicianName = names["PerformingPhysicianName"]
    ds.NameOfPhysiciansReadingStudy = names["NameOfPhysiciansReadingStudy"]
    ds.OperatorsName = names["OperatorsName"]
    ds.ManufacturerModelName = model
    # patient
    ds.PatientName = names["PatientName"]
    ds.PatientID = exam.patient.patient_id
    ds.PatientBirthDate = _da(exam.patient.birth)
    ds.PatientSex = {"1": "M", "2": "F"}.get(exam.patient.gend, "O")
    ds.PatientAge = _age(exam.patient.birth, exam.exam_time.date())
    ds.PatientSize, ds.PatientWeight = map(_ds, _size_weight(exam, key))
    ds.BodyPartExamined = exam.body_part
    ds.DeviceSerialNumber = exam.device.code
    ds.SoftwareVersions = f"{IMPLEMENTATION_VERSION_NAME} 0.1"
    ds.ProtocolName = exam.item.name
    ds.StudyInstanceUID, ds.SeriesInstanceUID = exam.study_uid, series.uid
    ds.StudyID = exam.accession_no[-16:]
    ds.SeriesNumber, ds.AcquisitionNumber, ds.InstanceNumber = series.number, 1, number
    if exam.body_part in _ANATOMY:
        code, meaning = _ANATOMY[exam.body_part]
        ds.AnatomicRegionSequence = DicomSequence([_code(code, "SCT", meaning)])
    if frame.plane is not None and frame.modality in {"CT", "MR", "PT"}:
        _plane(ds, exam, frame, number, count)
    _pixels(ds, frame, exam, key)
    {"CT": _ct, "MR": _mr, "DX": _dx, "CR": _dx, "MG": _dx, "US": _us, "NM": _nm, "PT": _pt}.get(
        modality, _sc)(ds, exam, frame, content_time, count)
    ds.BurnedInAnnotation = "NO"
    ds.LossyImageCompression = "00"
    return ds


def _plane(ds: Dataset, exam: Exam, frame: Frame, number: int, count: int) -> None:
    plane = frame.plane
    assert plane is not None
    ds.FrameOfReferenceUID = f"{exam.study_uid}.0.1"
    ds.PositionReferenceIndicator = ""
    if frame.modality != "PT":  # PET says it with PatientOrientationCodeSequence (C.8.4.6), never both
        ds.PatientPosition = "FFS" if exam.body_part == "KNEE" else "HFS"
    ds.ImagePositionPatient = [_ds(v) for v in plane.position()]
    ds.ImageOrientationPatient = [_ds(v) for v in plane.orientation()]
    if "LOCALIZER" in frame.image_type:  # a projection: no slice (SliceThickness is type 2)
        ds.SliceThickness = None
    else:
        ds.SliceThickness = _ds(frame.thickness or plane.spacing)
        ds.SliceLocation = _ds(plane.w)


def _pixels(ds: Dataset, frame: Frame, exam: Exam, key: str) -> None:
    pixels = frame.pixels
    intercept, slope = frame.rescale
    if frame.modality == "PT":  # SUV -> Bq/ml, scaled per image into 16 bits
        weight_g = float(ds.PatientWeight) * 1000
        per_suv = _pet_dose(float(ds.PatientWeight)) / weight_g
        activity = pixels.astype(np.float64) * per_suv
        slope = max(float(activity.max()) / 32000.0, 1e-3)
        slope = float(_ds(slope))
        stored = np.clip(np.rint(activity / slope), 0, 65535).astype(np.uint16)
        frame_windows: Sequence[tuple[float, float, str]] = [  # SUV windows -> Bq/ml
            (c * per_suv, w * per_suv, name) for c, w, name in frame.windows]
    elif pixels.dtype == np.int16:  # Hounsfield units: stored = HU - intercept
        stored = np.clip(pixels.astype(np.int32) - int(intercept), 0, 4095).astype(np.uint16)
        frame_windows = frame.windows
    else:
        stored = pixels
        frame_windows = frame.windows
    rows, cols = stored.shape[:2]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = frame.photometric
    ds.Rows, ds.Columns = rows, cols
    if frame.modality in {"CT", "MR", "PT", "NM"} or frame.modality not in SOP_CLASSES:
        ds.PixelSpacing = [_ds(frame.spacing[0]), _ds(frame.spacing[1])]
    eight = stored.dtype == np.uint8
    ds.BitsAllocated = 8 if eight else 16
    ds.BitsStored = 8 if eight else frame.bits_stored
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 0
    if frame.modality in {"CT", "PT"} or (intercept, slope) != (0.0, 1.0):
        ds.RescaleIntercept, ds.RescaleSlope = _ds(intercept), _ds(slope)
    ds.WindowCenter = [_ds(c) for c, _w, _n in frame_windows]
    ds.WindowWidth = [_ds(w) for _c, w, _n in frame_windows]
    ds.WindowCenterWidthExplanation = [n for _c, _w, n in frame_windows]
    ds.PixelData = np.ascontiguousarray(stored, dtype=stored.dtype.newbyteorder("<")).tobytes()


def _pet_dose(weight_kg: float) -> float:
    """Injected FDG activity (Bq): 3.7 MBq/kg."""
    return round(3.7e6 * weight_kg, -5)


def _ct(ds: Dataset, exam: Exam, frame: Frame, when: datetime, count: int) -> None:
    if "LOCALIZER" not in frame.image_type:  # a projection's values are not Hounsfield units (C.8.2.1.1.5)
        ds.RescaleType = "HU"
    ds.KVP = _ds(120)
    ds.XRayTubeCurrent = 250 if exam.body_part == "HEAD" else 200
    ds.ExposureTime = 1000
    ds.GantryDetectorTilt = _ds(0)
    ds.TableHeight = _ds(150)
    ds.RotationDirection = "CW"
    if frame.plane is not None and "LOCALIZER" not in frame.image_type:
        ds.ReconstructionDiameter = _ds(frame.plane.spacing * frame.plane.shape[1])
        ds.DataCollectionDiameter = _ds(500)
        lung = any("LUNG" in n for _c, _w, n in frame.windows)
        ds.ConvolutionKernel = "B70f" if "1.25" in ds.SeriesDescription and lung else "B30f"


def _mr(ds: Dataset, exam: Exam, frame: Frame, when: datetime, count: int) -> None:
    weighting = frame.extra.get("weighting", "t2")
    sequence, variant, tr, te, ti, flip = _MR_PARAMS.get(weighting, _MR_PARAMS["t2"])
    ds.ScanningSequence = sequence.split("\\")
    ds.SequenceVariant = variant.split("\\")
    ds.ScanOptions = ["FS"] if weighting in {"t2fs", "pdfs"} else ""
    ds.MRAcquisitionType = "3D" if "3D" in ds.SeriesDescription.upper() else "2D"
    ds.SequenceName = f"*{weighting}"
    ds.RepetitionTime, ds.EchoTime = _ds(tr), _ds(te)
    if ti is not None:
        ds.InversionTime = _ds(ti)
    ds.NumberOfAverages = _ds(1 if weighting in {"tof", "localizer"} else 2)
    field = 1.5 if "1.5T" in exam.device.name else 3.0
    ds.MagneticFieldStrength = _ds(field)
    ds.ImagingFrequency = _ds(round(42.577 * field, 4))
    ds.ImagedNucleus = "1H"
    ds.EchoTrainLength = 1 if sequence.startswith("GR") else 16
    ds.FlipAngle = _ds(flip)
    ds.SpacingBetweenSlices = _ds(frame.thickness or 5.0)
    ds.PixelBandwidth = _ds(200)


def _dx(ds: Dataset, exam: Exam, frame: Frame, when: datetime, count: int) -> None:
    extra = frame.extra
    ds.ImagerPixelSpacing = [_ds(frame.spacing[0]), _ds(frame.spacing[1])]
    ds.PatientOrientation = list(extra.get("patient_orientation", ("L", "F")))
    ds.ViewPosition = extra.get("view_position", "")
    ds.KVP = _ds(28 if frame.modality == "MG" else 125 if exam.body_part == "CHEST" else 80)
    distance = 660 if frame.modality == "MG" else 1800 if exam.body_part == "CHEST" else 1100
    ds.DistanceSourceToDetector = _ds(distance)
    ds.ExposureInuAs = 16000 if frame.modality == "MG" else 2500
    monochrome1 = frame.photometric == "MONOCHROME1"
    if frame.modality == "CR":  # the CR IOD has no DX Image module (PixelIntensityRelationship)
        ds.PixelSpacing = ds.ImagerPixelSpacing
        return
    ds.PixelIntensityRelationship = "LOG"
    ds.PixelIntensityRelationshipSign = 1 if monochrome1 else -1
    ds.AcquisitionContextSequence = DicomSequence()  # Acquisition Context module (C.7.6.14), type 2
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.PresentationLUTShape = "INVERSE" if monochrome1 else "IDENTITY"
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "0", "1", "US"
    ds.DetectorType = "DIRECT" if frame.modality == "MG" else "SCINTILLATOR"
    if frame.modality == "MG":
        view = extra.get("view_position", "CC")
        ds.ImageLaterality = extra.get("laterality", "R")
        codes = {"CC": ("399162004", "cranio-caudal"), "MLO": ("399368009", "medio-lateral oblique")}
        ds.ViewCodeSequence = DicomSequence([_code(codes[view][0], "SCT", codes[view][1])])
        ds.ViewCodeSequence[0].ViewModifierCodeSequence = DicomSequence()
        ds.PositionerType = "MAMMOGRAPHIC"
        ds.BreastImplantPresent = "NO"
        ds.PartialView = "NO"
        ds.OrganExposed = "BREAST"
        ds.BodyPartThickness = _ds(52)
        ds.CompressionForce = _ds(110)
        ds.PositionerPrimaryAngle = _ds(0 if view == "CC" else 45)
    else:
        ds.ImageLaterality = {"L": "L", "R": "R"}.get(subject_for(exam).side, "U") \
            if exam.body_part == "KNEE" else "U"
        ds.PositionerType = ""  # type 2 (C.8.11.5): a wall stand or table, no positioner term
        code = _DX_VIEWS.get(str(ds.ViewPosition))
        ds.ViewCodeSequence = DicomSequence([_code(*code)] if code else [])


def _us(ds: Dataset, exam: Exam, frame: Frame, when: datetime, count: int) -> None:
    application = {"ABDOMEN": "ABDOMINAL", "KIDNEY": "UROLOGY", "NECK": "SMALL PARTS", "BREAST": "BREAST"}
    ds.ImageType = ["ORIGINAL", "PRIMARY", application.get(exam.body_part, "ABDOMINAL"), "0001"]
    x0, y0, x1, y1 = frame.extra["region"]
    cm = frame.extra["mm_per_pixel"] / 10
    region = Dataset()
    region.RegionSpatialFormat = 1  # 2D
    region.RegionDataType = 1  # tissue
    region.RegionFlags = 0
    region.RegionLocationMinX0, region.RegionLocationMinY0 = x0, y0
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = x1 - 1, y1 - 1
    region.PhysicalUnitsXDirection = region.PhysicalUnitsYDirection = 3  # cm
    region.PhysicalDeltaX = region.PhysicalDeltaY = round(cm, 6)
    region.ReferencePixelX0, region.ReferencePixelY0 = (x0 + x1) // 2, y0
    ds.SequenceOfUltrasoundRegions = DicomSequence([region])
    ds.PatientOrientation = ""  # type 2C (C.7.6.1): no Image Orientation (Patient) in US
    if exam.body_part in _PAIRED:
        ds.Laterality = subject_for(exam).side
    ds.TransducerData = ["L12-5"] if exam.body_part in {"NECK", "BREAST"} else ["C5-1"]


def _nm(ds: Dataset, exam: Exam, frame: Frame, when: datetime, count: int) -> None:
    posterior = frame.extra.get("view") == "POST"
    ds.PatientOrientation = list(frame.extra.get("patient_orientation", ("L", "F")))
    ds.NumberOfFrames = 1
    ds.FrameIncrementPointer = [0x00540010, 0x00540020]  # Energy Window Vector, Detector Vector
    ds.EnergyWindowVector = [1]
    ds.NumberOfEnergyWindows = 1
    ds.DetectorVector = [1]
    ds.NumberOfDetectors = 1
    window = Dataset()
    limits = Dataset()
    limits.EnergyWindowLowerLimit, limits.EnergyWindowUpperLimit = _ds(126.45), _ds(154.55)
    window.EnergyWindowRangeSequence = DicomSequence([limits])
    window.EnergyWindowName = "Tc99m"
    ds.EnergyWindowInformationSequence = DicomSequence([window])
    pharma = Dataset()
    pharma.Radiopharmaceutical = "Tc-99m MDP"
    pharma.RadiopharmaceuticalStartTime = _tm(exam.exam_time - timedelta(hours=3))
    pharma.RadionuclideTotalDose = _ds(740)  # MBq
    pharma.RadionuclideCodeSequence = DicomSequence()
    ds.RadiopharmaceuticalInformationSequence = DicomSequence([pharma])
    detector = Dataset()
    detector.CollimatorGridName = "LEHR"
    detector.CollimatorType = "PARA"
    detector.ZoomFactor = [_ds(1), _ds(1)]
    detector.ImagePositionPatient = None  # type 2 in the NM Detector module (C.8.4.11): a planar scan
    detector.ImageOrientationPatient = None
    ds.DetectorInformationSequence = DicomSequence([detector])
    ds.PatientOrientationCodeSequence = DicomSequence()
    ds.PatientGantryRelationshipCodeSequence = DicomSequence()
    ds.WholeBodyTechnique = ["1PS"]
    ds.ScanVelocity = _ds(150)
    ds.ScanLength = 2000
    ds.ActualFrameDuration = 900000
    ds.CountsAccumulated = int(np.frombuffer(ds.PixelData, "<u2").sum())
    ds.ImageID = "POST" if posterior else "ANT"


def _pt(ds: Dataset, exam: Exam, frame: Frame, when: datetime, count: int) -> None:
    dose = _pet_dose(float(ds.PatientWeight))
    injection = exam.exam_time - timedelta(minutes=60)
    ds.Units = "BQML"
    ds.CountsSource = "EMISSION"
    ds.SeriesType = ["WHOLE BODY", "IMAGE"]
    ds.NumberOfSlices = count
    ds.CorrectedImage = ["DECY", "ATTN", "SCAT", "DTIM", "RAN", "NORM"]
    ds.RandomsCorrectionMethod = "DLYD"
    ds.DecayCorrection = "START"
    ds.ReconstructionMethod = "OSEM"
    ds.CollimatorType = "NONE"
    ds.AttenuationCorrectionMethod = "CT"
    ds.ImageIndex = ds.InstanceNumber
    ds.FrameReferenceTime = _ds(0)
    ds.ActualFrameDuration = 120000
    ds.DecayFactor = _ds(1.0)
    ds.DoseCalibrationFactor = _ds(1.0)
    ds.SliceSensitivityFactor = _ds(1.0)
    pharma = Dataset()
    pharma.Radiopharmaceutical = "Fludeoxyglucose F^18^"
    pharma.RadiopharmaceuticalStartTime = _tm(injection)
    pharma.RadiopharmaceuticalStartDateTime = injection.strftime("%Y%m%d%H%M%S")
    pharma.RadionuclideTotalDose = _ds(dose)  # Bq
    pharma.RadionuclideHalfLife = _ds(6586.2)
    pharma.RadionuclidePositronFraction = _ds(0.9673)
    pharma.RadionuclideCodeSequence = DicomSequence([_code("77004003", "SCT", "^18^Fluorine")])
    pharma.RadiopharmaceuticalCodeSequence = DicomSequence([_code("35321007", "SCT", "Fluorodeoxyglucose F^18^")])
    ds.RadiopharmaceuticalInformationSequence = DicomSequence([pharma])
    # NM/PET Patient Orientation module (C.8.4.6): recumbent, supine, head first (CID 19, 20, 21)
    orientation = _code("102538003", "SCT", "recumbent")
    orientation.PatientOrientationModifierCodeSequence = DicomSequence([_code("40199007", "SCT", "supine")])
    ds.PatientOrientationCodeSequence = DicomSequence([orientation])
    ds.PatientGantryRelationshipCodeSequence = DicomSequence([_code("102540008", "SCT", "headfirst")])


def _sc(ds: Dataset, exam: Exam, frame: Frame, when: datetime, count: int) -> None:
    ds.ConversionType = frame.extra.get("conversion_type", "WSD")
    ds.PatientOrientation = list(frame.extra.get("patient_orientation", ("L", "F")))
    if ds.ConversionType == "SD":  # a scanned document: the page's resolution, not the patient's
        ds.NominalScannedPixelSpacing = ds.PixelSpacing
        del ds.PixelSpacing
        ds.DateOfSecondaryCapture, ds.TimeOfSecondaryCapture = _da(when.date()), _tm(when)


# --- encoding ----------------------------------------------------------------------------


def _encode(ds: Dataset, form: Form) -> bytes:
    """Part-10 bytes: written by pydicom in UTF-8, then re-encoded into ``form`` (pydicom
    cannot write ISO 2022 IR 58's escape sequences, nor a deliberately wrong label)."""
    data = _encode_utf8(ds)
    return data if form.name == "utf8" else transcode_file(data, form)


def _encode_utf8(ds: Dataset) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID(IMPLEMENTATION_CLASS_UID)
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    ds.file_meta = meta
    ds.preamble = b"\x00" * 128
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()
