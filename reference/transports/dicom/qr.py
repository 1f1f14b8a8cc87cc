"""Query/Retrieve over what an SCP holds (PS3.4 Annex C): Study Root and Patient Root
information models, levels PATIENT / STUDY / SERIES / IMAGE.

Unique and indexed keys (PatientID, AccessionNumber and the UIDs) are matched in SQL; every
other key is matched against the stored instance's header (single value, wildcard, UID
list, date/time range; PS3.4 C.2.2.2).  What a stored file holds besides its bulk data (file
meta, where the data set starts, the elements before the pixel data) is read once and kept in
memory by sha256: the files are content-addressed, so an entry never goes stale.  A retrieve
sends each file's data set bytes as stored (``net.EncodedDataset``)."""
from __future__ import annotations

import fnmatch
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydicom import dcmread
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filereader import read_dataset, read_preamble
from pydicom.multival import MultiValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import DicomStored

from .net import EncodedDataset

#: Levels of each information model and the unique key of each level (PS3.4 C.3).
LEVELS = {"study": ("STUDY", "SERIES", "IMAGE"), "patient": ("PATIENT", "STUDY", "SERIES", "IMAGE")}
UNIQUE = {"PATIENT": "PatientID", "STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID",
          "IMAGE": "SOPInstanceUID"}
#: Keys matched in SQL: DICOM keyword -> catalogue column.
COLUMNS = {"PatientID": "patient_id", "AccessionNumber": "accession", "StudyInstanceUID": "study_uid",
           "SeriesInstanceUID": "series_uid", "SOPInstanceUID": "sop_uid"}
GROUP_BY = {"PATIENT": "patient_id", "STUDY": "study_uid", "SERIES": "series_uid", "IMAGE": "sop_uid"}
NOT_MATCHED = {"QueryRetrieveLevel", "SpecificCharacterSet", "RetrieveAETitle"}
#: Keys answered from the catalogue rather than a header (``_computed``).
COMPUTED = {"NumberOfStudyRelatedInstances", "NumberOfSeriesRelatedInstances", "NumberOfPatientRelatedInstances",
            "NumberOfStudyRelatedSeries", "NumberOfPatientRelatedSeries", "NumberOfPatientRelatedStudies",
            "ModalitiesInStudy", "SOPClassesInStudy"}


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


def catalogue_entries(model: Any, session: Session, filters: dict[str, list[str]], *extra: Any) -> list[Entry]:
    """The rows of a table shaped like ``dicom_stored`` (a family's own instance table) as entries."""
    stmt = select(model).where(*extra)
    for column, values in filters.items():
        stmt = stmt.where(getattr(model, column).in_(values))
    rows = session.scalars(stmt).all()
    out = [Entry(r.patient_id or "", r.accession or "", r.study_uid, r.series_uid, r.sop_uid, r.sop_class,
                 r.series_number, r.instance_number, r.sha256) for r in rows]
    return sorted(out, key=lambda e: (e.study_uid, e.series_number or 0, e.series_uid, e.instance_number or 0, e.sop_uid))


def stored_catalogue(store: str) -> Catalogue:
    """What one of our storage SCPs received (``dicom_stored``)."""
    return lambda session, filters: catalogue_entries(DicomStored, session, filters, DicomStored.store == store)


@dataclass(frozen=True)
class StoredFile:
    """A stored instance's file without its bulk data: read once per content address."""

    file_meta: FileMetaDataset
    offset: int  # where the data set starts, after the preamble and the file meta group
    header: Dataset  # the data set's elements before the pixel data (values decoded when used)


class _StoredFiles:
    """``sha256 -> StoredFile``, least recently used evicted past ``size`` entries (a CT header
    is a few KB: 8192 entries stay well under 100 MB)."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._entries: OrderedDict[str, StoredFile] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str, blobs: Any) -> StoredFile:
        """The entry of ``sha256``, read from ``blobs`` (a ``BlobStore``) on a miss."""
        with self._lock:
            entry = self._entries.get(sha256)
            if entry is not None:
                self._entries.move_to_end(sha256)
                return entry
        with open(blobs.path(sha256), "rb") as fp:
            head = dcmread(fp, stop_before_pixels=True)
            fp.seek(0)
            read_preamble(fp, False)
            read_dataset(fp, is_implicit_VR=False, is_little_endian=True, stop_when=lambda tag, vr, length: tag.group != 2)
            entry = StoredFile(head.file_meta, fp.tell(), head)
        with self._lock:
            self._entries[sha256] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry


STORED_FILES = _StoredFiles()


def stored_file(sandbox: Sandbox, sha256: str) -> StoredFile:
    return STORED_FILES.get(sha256, sandbox.blobs)


def header(sandbox: Sandbox, sha256: str) -> Dataset:
    return stored_file(sandbox, sha256).header


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
    with sandbox.db.reading() as session:
        entries = catalogue(session, _sql_filters(identifier))
    # the query's keys, sorted out once: (tag, VR, keyword, value, matched against the header)
    keys = [(elem.tag, elem.VR, elem.keyword, elem.value, elem.keyword not in COMPUTED)
            for elem in identifier if elem.keyword not in NOT_MATCHED and elem.tag.group != 0x0002]
    level_elem = DataElement(0x00080052, "CS", level)
    ae_elem = DataElement(0x00080054, "AE", retrieve_ae)
    for members in _group(entries, level).values():
        first = header(sandbox, members[0].sha256)
        reply = Dataset()
        charset = first.get((0x0008, 0x0005))
        reply.add(charset if charset is not None else DataElement(0x00080005, "CS", "ISO_IR 192"))
        reply.add(level_elem)
        matched = True
        for tag, vr, keyword, value, from_header in keys:
            if not from_header:
                computed = _computed(sandbox, keyword, members)
                if computed is not None:
                    setattr(reply, keyword, computed)
                    continue
            held = first.get(tag)
            if vr != "SQ" and value not in (None, "", "*") and not _matches(value, vr, held.value if held is not None else ""):
                matched = False
                break
            if held is not None and vr != "SQ":
                reply.add(held)  # the cached header's element (never modified)
            else:
                reply.add_new(tag, vr, None)
        if matched:
            reply.add(ae_elem)
            yield reply


# -- C-GET / C-MOVE ---------------------------------------------------------------------------
def to_retrieve(sandbox: Sandbox, catalogue: Catalogue, identifier: Dataset) -> list[Entry]:
    """The instances a retrieve identifier names (unique keys, UID lists allowed)."""
    filters = _sql_filters(identifier)
    if not filters:
        return []
    with sandbox.db.reading() as session:
        return catalogue(session, filters)


def stored_dataset(sandbox: Sandbox, entry: Entry) -> EncodedDataset:
    """The stored file's data set to send as stored: its bytes after the file meta group (sent
    untouched when the accepted transfer syntax is the stored one; see ``net.EncodedDataset``)."""
    stored = STORED_FILES.get(entry.sha256, sandbox.blobs)
    with open(sandbox.blobs.path(entry.sha256), "rb") as fp:
        fp.seek(stored.offset)
        encoded = fp.read()
    head = stored.header
    return EncodedDataset(encoded, stored.file_meta, head.get("SOPClassUID", entry.sop_class),
                          head.get("SOPInstanceUID", entry.sop_uid))
