"""Reading what a party needs to know of a DICOM Part-10 file, without its pixels."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from pydicom import dcmread
from pydicom.errors import InvalidDicomError

PREAMBLE_MAGIC_AT = 128


class NotDicom(ValueError):
    """The bytes are not a DICOM Part-10 file."""


@dataclass(frozen=True)
class DicomIdentity:
    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class: str
    transfer_syntax: str
    patient_id: str
    patient_name: str
    patient_sex: str
    patient_birth_date: str
    accession: str
    study_date: str
    modality: str
    series_number: int | None
    instance_number: int | None


def looks_like_part10(data: bytes) -> bool:
    return len(data) > PREAMBLE_MAGIC_AT + 4 and data[PREAMBLE_MAGIC_AT:PREAMBLE_MAGIC_AT + 4] == b"DICM"


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def identify(data: bytes) -> DicomIdentity:
    """The identifying tags of a Part-10 file; ``NotDicom`` if it is not one."""
    if not looks_like_part10(data):
        raise NotDicom("no DICM prefix at byte 128 (not a DICOM Part-10 file)")
    try:
        ds = dcmread(BytesIO(data), stop_before_pixels=True)
    except (InvalidDicomError, ValueError, EOFError, KeyError) as exc:
        raise NotDicom(f"{type(exc).__name__}: {exc}") from exc
    uid = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")
    missing = [k for k in uid if not ds.get(k)]
    if missing:
        raise NotDicom(f"missing {', '.join(missing)}")
    return DicomIdentity(
        study_uid=str(ds.StudyInstanceUID),
        series_uid=str(ds.SeriesInstanceUID),
        sop_uid=str(ds.SOPInstanceUID),
        sop_class=str(ds.get("SOPClassUID", "")),
        transfer_syntax=str(ds.file_meta.get("TransferSyntaxUID", "")),
        patient_id=str(ds.get("PatientID", "")),
        patient_name=str(ds.get("PatientName", "")),
        patient_sex=str(ds.get("PatientSex", "")),
        patient_birth_date=str(ds.get("PatientBirthDate", "")),
        accession=str(ds.get("AccessionNumber", "")),
        study_date=str(ds.get("StudyDate", "")),
        modality=str(ds.get("Modality", "")),
        series_number=_int(ds.get("SeriesNumber")),
        instance_number=_int(ds.get("InstanceNumber")),
    )
