"""Query/Retrieve over what an SCP holds (PS3.4 Annex C): Study Root and Patient Root
information models, levels PATIENT / STUDY / SERIES / IMAGE.

Unique and indexed keys (PatientID, AccessionNumber and the UIDs) are matched in SQL; every
other key is matched against the stored instance's header (single value, wildcard, UID
list, date/time range; PS3.4 C.2.2.2).  Headers are read once per file and cached (the
files are content-addressed, hence immutable)."""
from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import DicomStored, PacsInstance

#: Levels of each information model and the unique key of each level (PS3.4 C.3).
LEVELS = {"study": ("STUDY", "SERIES", "IMAGE"), "patient": ("PATIENT", "STUDY", "SERIES", "IMAGE")}
UNIQUE = {"PATIENT": "PatientID", "STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID",
          "IMAGE": "SOPInstanceUID"}
#: Keys matched in SQL: DICOM keyword -> catalogue column.
COLUMNS = {"PatientID": "patient_id", "AccessionNumber": "accession", "StudyInstanceUID": "study_uid",
           "SeriesInstanceUID": "series_uid", "SOPInstanceUID": "sop_uid"}
GROUP_BY = {"PATIENT": "patient_id", "STUDY": "study_uid", "SERIES": "series_uid", "IMAGE": "sop_uid"}
NOT_MATCHED = {"QueryRetrieveLevel", "SpecificCharacterSet", "RetrieveAETitle"}


@dataclass(frozen=True)
class Entry:
    """One stored instance as the catalogue lists it."""

    patient_id: str
    accession: str
    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class: str
    series_number: int | None
    instance_number: int | None
    sha256: str


#: ``(session, {column: [values]}) -> entries``
Catalogue = Callable[[Session, dict[str, list[str]]], list[Entry]]


def _entries(model: Any, session: Session, filters: dict[str, list[str]], *extra: Any) -> list[Entry]:
    stmt = select(model).where(*extra)
    for column, values in filters.items():
        stmt = stmt.where(getattr(model, column).in_(values))
    rows = session.scalars(stmt).all()
    out = [Entry(r.patient_id or "", r.accession or "", r.study_uid, r.series_uid, r.sop_uid, r.sop_class,
                 r.series_number, r.instance_number, r.sha256) for r in rows]
    return sorted(out, key=lambda e: (e.study_uid, e.series_number or 0, e.series_uid, e.instance_number or 0, e.sop_uid))


def pacs_catalogue(session: Session, filters: dict[str, list[str]]) -> list[Entry]:
    """The hospital PACS: every hospital's instances in ``pacs_instances``."""
    return _entries(PacsInstance, session, filters)


def stored_catalogue(store: str) -> Catalogue:
    """What one of our storage SCPs received (``dicom_stored``)."""
    return lambda session, filters: _entries(DicomStored, session, filters, DicomStored.store == store)


@lru_cache(maxsize=8192)
def _header(path: str) -> Dataset:
    return dcmread(path, stop_before_pixels=True)


def header(sandbox: Sandbox, sha256: str) -> Dataset:
    return _header(str(sandbox.blobs.path(sha256)))


# -- matching (PS3.4 C.2.2.2) ----------------------------------------------------------------
def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _matches(query: Any, vr: str, actual: Any) -> bool:
    q = _text(query)
    if q in ("", "*"):
        return True
    values = [str(v) for v in actual] if isinstance(actual, (list, tuple, MultiValue)) else [_text(actual)]
    if vr == "UI" or "\\" in q:
        wanted = set(q.split("\\"))
        return any(v in wanted for v in values)
    if vr in ("DA", "TM", "DT") and "-" in q:
        low, _, high = q.partition("-")
        return any((not low or v >= low) and (not high or v[:len(high)] <= high) for v in values)
    if "*" in q or "?" in q:
        return any(fnmatch.fnmatchcase(v, q) for v in values)
    return any(v == q for v in values)


def _sql_filters(identifier: Dataset) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for keyword, column in COLUMNS.items():
        value = _text(identifier.get(keyword, ""))
        if value and "*" not in value and "?" not in value:
            filters[column] = [v for v in value.split("\\") if v]
    return filters


def check_level(identifier: Dataset, model: str, *, retrieve: bool) -> tuple[str, Finding | None]:
    """The level asked for; a finding when it is not one of ``model`` or lacks its unique key."""
    level = _text(identifier.get("QueryRetrieveLevel", "")).upper()
    if level not in LEVELS[model]:
        return level, RULES.finding("DICOM-QR-LEVEL", level=level, key="QueryRetrieveLevel", status="0xA900")
    if retrieve:
        chain = LEVELS[model][: LEVELS[model].index(level) + 1]
        missing = [UNIQUE[lv] for lv in chain if not _text(identifier.get(UNIQUE[lv], ""))
                   and not (model == "study" and lv == "PATIENT")]
        if missing:
            return level, RULES.finding("DICOM-QR-LEVEL", level=level, key=", ".join(missing), status="0xA900")
    return level, None


# -- C-FIND -----------------------------------------------------------------------------------
def _group(entries: list[Entry], level: str) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        groups.setdefault(getattr(e, GROUP_BY[level]), []).append(e)
    return groups


def _computed(sandbox: Sandbox, keyword: str, members: list[Entry]) -> Any:
    series = _group(members, "SERIES")
    if keyword in ("NumberOfStudyRelatedInstances", "NumberOfSeriesRelatedInstances", "NumberOfPatientRelatedInstances"):
        return str(len(members))
    if keyword == "NumberOfStudyRelatedSeries" or keyword == "NumberOfPatientRelatedSeries":
        return str(len(series))
    if keyword == "NumberOfPatientRelatedStudies":
        return str(len(_group(members, "STUDY")))
    if keyword == "ModalitiesInStudy":
        return sorted({str(header(sandbox, s[0].sha256).get("Modality", "")) for s in series.values()} - {""})
    if keyword == "SOPClassesInStudy":
        return sorted({e.sop_class for e in members})
    return None


def find(sandbox: Sandbox, catalogue: Catalogue, identifier: Dataset, level: str,
         retrieve_ae: str) -> Iterator[Dataset]:
    """Every match at ``level`` as a response identifier holding the keys asked for."""
    with sandbox.db.session() as session:
        entries = catalogue(session, _sql_filters(identifier))
    for members in _group(entries, level).values():
        first = header(sandbox, members[0].sha256)
        reply = Dataset()
        reply.SpecificCharacterSet = first.get("SpecificCharacterSet", "ISO_IR 192")
        reply.QueryRetrieveLevel = level
        matched = True
        for elem in identifier:
            keyword = elem.keyword
            if keyword in NOT_MATCHED or elem.tag.group == 0x0002:
                continue
            computed = _computed(sandbox, keyword, members)
            if computed is not None:
                setattr(reply, keyword, computed)
                continue
            held = first.get(elem.tag)
            if elem.VR != "SQ" and not _matches(elem.value, elem.VR, held.value if held is not None else ""):
                matched = False
                break
            if held is not None and elem.VR != "SQ":
                reply.add(held)
            else:
                reply.add_new(elem.tag, elem.VR, None)
        if matched:
            reply.RetrieveAETitle = retrieve_ae
            yield reply


# -- C-GET / C-MOVE ---------------------------------------------------------------------------
def to_retrieve(sandbox: Sandbox, catalogue: Catalogue, identifier: Dataset) -> list[Entry]:
    """The instances a retrieve identifier names (unique keys, UID lists allowed)."""
    filters = _sql_filters(identifier)
    if not filters:
        return []
    with sandbox.db.session() as session:
        return catalogue(session, filters)


def stored_dataset(sandbox: Sandbox, entry: Entry) -> Dataset:
    """The stored file as a dataset to send: values stay raw (no decoding, written back as read)."""
    return dcmread(Path(sandbox.blobs.path(entry.sha256)))
