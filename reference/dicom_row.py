"""Index ↔ image: whether the DICOM a party receives is the exam the row claiming it
describes, and whether the instances of one study agree among themselves.

The centre (seeds/002 §二 ``saveExamRpotImgInfo``) and the provincial cloud (seeds/003
``savePatientExam`` + ``uploadDicom``) each declare their checks as data (``RowCheck``: the
DICOM attribute, the row field, the seed section naming the field, how they compare) and turn
each ``Disagreement`` into a finding of their own rule.  Names compare by their ideographic
component group, or by pinyin when the DICOM has only pinyin (``dicomtext.names.same_person``);
dates by their digits; codes through the documents' dictionaries.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from reference.dicomio import DicomIdentity
from reference.dicomtext.names import same_person

__all__ = ["RowCheck", "Disagreement", "disagreements", "study_inconsistencies", "IMG_EXAM_TYPE_MODALITIES"]

Kind = Literal["name", "text", "sex", "date", "img_exam_type", "modality"]

#: img_exam_type (seeds/000 §2.3) -> the DICOM modalities (PS3.3 C.7.3.1.1.1) of that kind of exam.
IMG_EXAM_TYPE_MODALITIES: Final = {
    "1": frozenset({"DX", "CR", "DR", "MG", "RF", "XA", "IO", "PX", "RG"}),  # X线成像
    "2": frozenset({"CT"}),  # 计算机断层成像
    "3": frozenset({"MR"}),  # 磁共振成像
    "4": frozenset({"US", "IVUS"}),  # 超声成像
    "5": frozenset({"NM", "PT"}),  # 核医学成像 (ECT)
    "9": frozenset(),  # 其他 (sichuan-2025-09)
}
#: Series any exam may carry: scanned request forms (seeds/004 §3.2.3.2.1), reports, key images.
ANY_EXAM: Final = frozenset({"SC", "OT", "DOC", "SR", "KO", "PR"})
#: seeds/003 modality codes that are not DICOM terms, or that DICOM spells in several ways.
_ALIASES: Final = {"DR": frozenset({"DX", "CR", "DR"}), "DX": frozenset({"DX", "DR"}), "ES": frozenset({"ES", "XC"})}
_SEX: Final = {"1": "M", "2": "F"}


@dataclass(frozen=True)
class RowCheck:
    tag: str  # DICOM keyword
    field: str  # the row's field
    where: str  # the seed section naming the field, and the tag
    kind: Kind


@dataclass(frozen=True)
class Disagreement:
    check: RowCheck
    dicom: str
    row: Any


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))[:8]


def _allowed(kind: Kind, row_value: str) -> frozenset[str]:
    codes = [c for c in re.split(r"[|\s,]+", row_value) if c]
    if kind == "img_exam_type":
        return frozenset().union(*(IMG_EXAM_TYPE_MODALITIES.get(c, frozenset()) for c in codes))
    return frozenset().union(*(_ALIASES.get(c, frozenset({c})) for c in codes))


def _modalities_fit(modalities: set[str], kind: Kind, row_value: str) -> bool:
    allowed = _allowed(kind, row_value)
    if not allowed:  # 9 其他, or a code outside the dictionary (the schema's finding)
        return True
    extra = {"CT"} if "PT" in allowed else set()  # PET/CT: the attenuation CT series
    return modalities <= allowed | ANY_EXAM | extra and bool(modalities & allowed)


_SAME: Final[dict[str, Callable[[str, str], bool]]] = {
    "name": lambda dicom, row: same_person(row, dicom),
    "text": lambda dicom, row: dicom.strip() == row.strip(),
    "sex": lambda dicom, row: row not in _SEX or dicom == _SEX[row],
    "date": lambda dicom, row: not _digits(row) or _digits(dicom) == _digits(row),
}


def _value(ident: DicomIdentity, tag: str) -> str:
    attr = {"PatientName": "patient_name", "PatientID": "patient_id", "PatientSex": "patient_sex",
            "PatientBirthDate": "patient_birth_date", "StudyDate": "study_date", "AccessionNumber": "accession",
            "Modality": "modality", "InstitutionName": "institution_name"}[tag]
    return str(getattr(ident, attr) or "")


def disagreements(identities: Sequence[DicomIdentity], row: Mapping[str, Any],
                  checks: Sequence[RowCheck]) -> list[Disagreement]:
    """Every check the images fail against ``row`` (values missing on either side are not
    checked: the schema says whether a field is required)."""
    if not identities:
        return []
    first = identities[0]
    out = []
    for check in checks:
        row_value = "" if row.get(check.field) is None else str(row.get(check.field))
        if not row_value.strip():
            continue
        if check.kind in ("img_exam_type", "modality"):
            modalities = {_value(i, "Modality") for i in identities} - {""}
            if modalities and not _modalities_fit(modalities, check.kind, row_value):
                out.append(Disagreement(check, "\\".join(sorted(modalities)), row_value))
            continue
        dicom = _value(first, check.tag)
        if dicom.strip() and not _SAME[check.kind](dicom, row_value):
            out.append(Disagreement(check, dicom, row_value))
    return out


#: Patient and study attributes every instance of a study repeats (PS3.3 C.7.1.1, C.7.2.1).
STUDY_LEVEL: Final = ("PatientID", "PatientName", "PatientBirthDate", "PatientSex", "StudyDate", "AccessionNumber")


def study_inconsistencies(identities: Sequence[DicomIdentity]) -> list[tuple[str, str]]:
    """``(tag, "value (n files); …")`` for each study-level attribute that differs between instances."""
    out = []
    for tag in STUDY_LEVEL:
        counts: dict[str, int] = {}
        for ident in identities:
            counts[_value(ident, tag)] = counts.get(_value(ident, tag), 0) + 1
        if len(counts) > 1:
            out.append((tag, "；".join(f"{v or '(空/empty)'!r} ×{n}" for v, n in counts.items())))
    return out
