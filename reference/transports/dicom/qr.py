"""Query/Retrieve over what an SCP holds (PS3.4 Annex C): Study Root and Patient Root
information models, levels PATIENT / STUDY / SERIES / IMAGE.

Unique and indexed keys (PatientID, AccessionNumber and the UIDs) are matched in SQL; every
other key is matched against the stored instance's header (single value, wildcard, UID
list, date/time range; PS3.4 C.2.2.2; person names by component group, case-insensitively,
and by pinyin, ``reference.dicomtext.names.pn_matcher``).  What a stored file holds besides
its bulk data (file meta, where the data set starts, the elements before the pixel data as
stored, its charset report) is read once and kept in memory by sha256: the files are
content-addressed, so an entry never goes stale.  Text is matched in its best reading (the
forensics'), never decoded per request; a C-FIND reply carries the stored elements' bytes
and the stored (0008,0005) (none when the file has none).  A retrieve sends each file's data
set bytes as stored (``net.EncodedDataset``) — or, when the SCP's party serves a character-set
form (``parties.<party>.dicom_charset``), re-encoded into it once per file and form and cached
(``served``).  Each SCP keeps its C-FIND answers (``FindCache``): an identifier's bytes are read
and judged once, and the reply identifiers they matched are sent again until the catalogue changes
(``Sandbox.catalogue``, bumped by every committed write to the instance tables)."""
from __future__ import annotations

import fnmatch
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any, NamedTuple

from pydicom import dcmread
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filereader import read_dataset, read_preamble
from pydicom.multival import MultiValue
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from reference.dicomtext import TEXT_VRS, CharsetReport, Form, MalformedDataSet, examine, pn_matcher
from reference.dicomtext.transcode import transcode_header
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.generation import Generation
from reference.storage.models import DicomStored

from .net import EncodedDataset, Label, label
from .patches import EncodedReply

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


class Entry(NamedTuple):
    """One stored instance as the catalogue lists it (a named tuple: a 100-instance study makes
    100 per request, at a fifth of a frozen dataclass's cost)."""

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


#: The catalogue columns an ``Entry`` is made of, in its field order.
ENTRY_COLUMNS = ("patient_id", "accession", "study_uid", "series_uid", "sop_uid", "sop_class", "series_number",
                 "instance_number", "sha256")


@lru_cache(maxsize=256)
def _entries_statement(model: Any, listed: tuple[str, ...], equal: tuple[str, ...]) -> Any:
    """``SELECT <ENTRY_COLUMNS> FROM model WHERE c IN (:c …) AND e = :e …``, built once per shape
    (the values are bound parameters; a list expands into its IN list when executed)."""
    stmt = select(*(getattr(model, c) for c in ENTRY_COLUMNS))
    for column in equal:
        stmt = stmt.where(getattr(model, column) == bindparam(f"eq_{column}"))
    for column in listed:
        stmt = stmt.where(getattr(model, column).in_(bindparam(f"in_{column}", expanding=True)))
    return stmt


def catalogue_entries(model: Any, session: Session, filters: dict[str, list[str]], **equal: str) -> list[Entry]:
    """The rows of a table shaped like ``dicom_stored`` (a family's own instance table) whose
    ``filters`` columns hold one of the listed values and ``equal`` columns the given value, as
    entries: plain rows from a statement built once per shape, on the session's connection (no
    ORM object per instance: a C-FIND or retrieve of a 100-instance study built 100 per request)."""
    stmt = _entries_statement(model, tuple(filters), tuple(sorted(equal)))
    params = {**{f"in_{c}": v for c, v in filters.items()}, **{f"eq_{c}": v for c, v in equal.items()}}
    rows = session.connection().execute(stmt, params).all()
    out = [Entry(r[0] or "", r[1] or "", *r[2:]) for r in rows]
    return sorted(out, key=lambda e: (e.study_uid, e.series_number or 0, e.series_uid, e.instance_number or 0, e.sop_uid))


def stored_catalogue(store: str) -> Catalogue:
    """What one of our storage SCPs received (``dicom_stored``)."""
    return lambda session, filters: catalogue_entries(DicomStored, session, filters, store=store)


@dataclass(frozen=True)
class StoredFile:
    """A stored instance's file without its bulk data: read once per content address."""

    file_meta: FileMetaDataset
    offset: int  # where the data set starts, after the preamble and the file meta group
    header: Dataset  # the data set's elements before the pixel data (values decoded when used)
    raw: dict[int, RawDataElement]  # the same elements as stored (bytes), for replies
    charset: CharsetReport  # what its text really is; ``charset.texts`` is what matching reads
    label: Label | None = None  # what a retrieved copy carries (``stored_dataset``), when the file names its UIDs


@dataclass(frozen=True)
class Served:
    """A stored file as a party serves it in a character-set form: the elements before the pixel
    data re-encoded (``header``, and ``raw`` parsed from it), the rest of the stored data set
    from ``tail`` on sent unchanged."""

    header: bytes
    tail: int
    raw: dict[int, RawDataElement]


def _label(head: Dataset) -> Label | None:
    """The label of every ``EncodedDataset`` sent of this file, made once (None when the file does
    not name its SOP class and instance: the catalogue's then, per entry)."""
    if "SOPClassUID" not in head or "SOPInstanceUID" not in head:
        return None
    return label(head.file_meta, head.SOPClassUID, head.SOPInstanceUID)


def _raw_elements(ds: Dataset) -> dict[int, RawDataElement]:
    """A data set's elements as raw bytes (before anything decodes them), each with its VR
    (implicit VR files' looked up) so that any transfer syntax can carry them."""
    out: dict[int, RawDataElement] = {}
    for tag in ds.keys():
        elem: DataElement | RawDataElement = ds.get_item(tag)
        if tag == 0x00080005 and not isinstance(elem, RawDataElement):  # pydicom decodes it on reading
            value = elem.value if isinstance(elem.value, str) else "\\".join(elem.value or [])
            data = value.encode("ascii", "replace")
            data += b" " * (len(data) % 2)
            elem = RawDataElement(tag, "CS", len(data), data, 0, bool(ds.original_encoding[0]), True)
        if not isinstance(elem, RawDataElement):
            continue
        if elem.VR is None:
            try:
                vr = dictionary_VR(tag)
            except KeyError:
                continue
            if " or " in vr:
                continue
            elem = elem._replace(VR=vr)
        out[int(tag)] = elem
    return out


class _StoredFiles:
    """``sha256 -> StoredFile``, least recently used evicted past ``size`` entries (a CT header
    is a few KB: 8192 entries stay well under 100 MB)."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._entries: OrderedDict[str, StoredFile] = OrderedDict()
        self._served: OrderedDict[tuple[str, str], Served] = OrderedDict()
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
            offset = fp.tell()
        raw = _raw_elements(head)
        entry = StoredFile(head.file_meta, offset, head, raw, examine(head), _label(head))
        with self._lock:
            self._entries[sha256] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry

    def served(self, sha256: str, blobs: Any, form: Form) -> Served | None:
        """The file as served in ``form``, re-encoded on the first request only; None when it
        cannot be (compressed or malformed: then it is served as stored)."""
        key = (sha256, form.name)
        with self._lock:
            served = self._served.get(key)
            if served is not None:
                self._served.move_to_end(key)
                return served
        stored = self.get(sha256, blobs)
        syntax = str(stored.file_meta.get("TransferSyntaxUID", ""))
        if syntax not in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1"):
            return None
        implicit = syntax == "1.2.840.10008.1.2"
        with open(blobs.path(sha256), "rb") as fp:
            fp.seek(stored.offset)
            encoded = fp.read()
        try:
            header, tail = transcode_header(encoded, implicit=implicit, target=form)
        except MalformedDataSet:
            return None
        parsed = read_dataset(BytesIO(header), is_implicit_VR=implicit, is_little_endian=True)
        served = Served(header, tail, _raw_elements(parsed))
        with self._lock:
            self._served[key] = served
            while len(self._served) > self.size:
                self._served.popitem(last=False)
        return served


STORED_FILES = _StoredFiles()


def stored_file(sandbox: Sandbox, sha256: str) -> StoredFile:
    return STORED_FILES.get(sha256, sandbox.blobs)


def header(sandbox: Sandbox, sha256: str) -> Dataset:
    return stored_file(sandbox, sha256).header


def served_file(sandbox: Sandbox, sha256: str, form: Form | None, data: bytes) -> tuple[bytes, bool]:
    """The stored Part-10 file ``data`` as a party serving ``form`` sends it (as stored when None),
    and whether it is sent as stored (its digest is then ``sha256``)."""
    served = STORED_FILES.served(sha256, sandbox.blobs, form) if form is not None else None
    if served is None:
        return data, True
    offset = stored_file(sandbox, sha256).offset
    return data[:offset] + served.header + data[offset + served.tail:], False


# -- matching (PS3.4 C.2.2.2) ----------------------------------------------------------------
def _text(value: Any) -> str:
    """An element's value as DICOM text: a multi-valued one (list of UID matching, PS3.4 C.2.2.2.2)
    joined with backslashes, not Python's list repr."""
    if value is None:
        return ""
    if isinstance(value, MultiValue | list | tuple):
        return "\\".join(str(v) for v in value)
    return str(value)


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


def _query_keys(identifier: Dataset, texts: Mapping[str, str]) -> list[tuple[Any, str, str, Any, bool]]:
    """The query's keys, sorted out once: ``(tag, VR, keyword, value, matched against the
    header)``; text values are the forensics' readings (never decoded by pydicom here)."""
    keys = []
    for tag in identifier.keys():
        keyword = keyword_for_tag(tag)
        if tag.group == 0x0002 or keyword in NOT_MATCHED:
            continue
        elem = identifier.get_item(tag)
        try:
            vr = str(elem.VR or dictionary_VR(tag))
        except KeyError:
            continue
        value = texts[keyword] if vr in TEXT_VRS and keyword in texts else identifier[tag].value
        keys.append((tag, vr, keyword, value, keyword not in COMPUTED))
    return keys


def _held(stored: StoredFile, tag: Any, vr: str, keyword: str) -> Any:
    """The stored value a key is matched against: text in its best reading, the rest decoded."""
    if vr in TEXT_VRS:
        return stored.charset.texts.get(keyword, "")
    held = stored.header.get(tag)
    return held.value if held is not None else ""


def _key_matches(value: Any, vr: str, held: Any) -> bool:
    if vr == "PN":
        return pn_matcher(_text(value))(_text(held))
    return _matches(value, vr, held)


def _reply_encoding(reply: Dataset, implicit: bool, little: bool) -> None:
    """Tell pydicom the reply's raw elements are already in its encoding and character set, so
    pynetdicom writes them as they are (``write_dataset`` decodes and re-encodes otherwise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an undefined (0008,0005) term is the forensics' finding, not a crash
        reply.set_original_encoding(implicit, little, reply._character_set)


def find(sandbox: Sandbox, catalogue: Catalogue, identifier: Dataset, level: str, retrieve_ae: str, *,
         texts: Mapping[str, str] | None = None, form: Form | None = None,
         syntax: tuple[bool, bool] = (False, True)) -> Iterator[Dataset]:
    """Every match at ``level`` as a response identifier holding the keys asked for: the stored
    elements' bytes (re-encoded into ``form`` when the party serves one); ``syntax`` is the
    (implicit VR, little endian) of the presentation context the replies go out on."""
    with sandbox.db.reading() as session:
        entries = catalogue(session, _sql_filters(identifier))
    keys = _query_keys(identifier, texts or {})
    level_elem = DataElement(0x00080052, "CS", level)
    ae_elem = DataElement(0x00080054, "AE", retrieve_ae)
    for members in _group(entries, level).values():
        stored = stored_file(sandbox, members[0].sha256)
        served = STORED_FILES.served(members[0].sha256, sandbox.blobs, form) if form is not None else None
        raw = served.raw if served is not None else stored.raw
        reply = EncodedReply()
        if 0x00080005 in raw:
            reply[0x00080005] = raw[0x00080005]
        reply.add(level_elem)
        matched = True
        for tag, vr, keyword, value, from_header in keys:
            if not from_header:
                computed = _computed(sandbox, keyword, members)
                if computed is not None:
                    setattr(reply, keyword, computed)
                    continue
            if vr != "SQ" and value not in (None, "", "*") and not _key_matches(value, vr, _held(stored, tag, vr, keyword)):
                matched = False
                break
            held = raw.get(int(tag))
            decoded = stored.header.get(tag) if held is None and vr not in TEXT_VRS else None
            if held is not None and vr != "SQ":
                reply[tag] = held  # the stored (or served) bytes, never decoded
            elif decoded is not None and vr != "SQ":
                reply.add(decoded)  # an element pydicom decoded on reading (an ambiguous VR resolved)
            else:
                reply.add_new(tag, vr, None)
        if matched:
            reply.add(ae_elem)
            _reply_encoding(reply, *syntax)
            yield reply.seal(*syntax)  # written once: a kept reply is sent as these bytes (``FindCache``)


# -- C-FIND answers kept --------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    """A C-FIND identifier sorted out once per distinct identifier (its bytes, transfer syntax and
    information model): what every query with those bytes is matched and logged with."""

    identifier: Dataset
    level: str
    problem: Finding | None  # the level's finding (the query is then answered 0xA900)
    texts: Mapping[str, str]  # the charset forensics' reading of its text elements
    findings: tuple[Finding, ...]  # the forensics' findings
    request: dict[str, Any]  # the identifier as the exchange log keeps it


#: ``(identifier bytes, transfer syntax UID, abstract syntax UID)``
QueryKey = tuple[bytes | None, str, str]


class FindCache:
    """One Q/R SCP's C-FIND answers (its catalogue, retrieve AE and served form are fixed): each
    distinct identifier parsed and judged once (``query``; its charset forensics and level check are
    functions of its bytes), and the reply identifiers of each, kept while the data home's
    ``catalogue`` generation has not moved — every committed write to the instance tables, in any
    process, bumps it (``Sandbox.catalogue``, ``Database.watch``) — so a stored or deleted instance
    is answered at once.  Stored files are content-addressed: their headers never go stale.  A reply
    identifier is kept sealed with its bytes (``patches.EncodedReply``, written once by ``find``) and
    sent as those bytes to every query asking the same (nothing changes it).
    Least recently used answers go past ``size`` answers or ``replies`` reply identifiers in all;
    an answer of more than ``most`` matches is not kept."""

    def __init__(self, generation: Generation, *, size: int = 1024, replies: int = 4096, most: int = 256) -> None:
        self.generation, self.size, self.limit, self.most = generation, size, replies, most
        self._queries: OrderedDict[QueryKey, Query] = OrderedDict()
        self._replies: OrderedDict[QueryKey, tuple[int, tuple[Dataset, ...]]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def query(self, key: QueryKey, make: Callable[[], Query]) -> Query:
        with self._lock:
            found = self._queries.get(key)
            if found is not None:
                self._queries.move_to_end(key)
                return found
        made = make()
        with self._lock:
            self._queries[key] = made
            while len(self._queries) > self.size:
                self._queries.popitem(last=False)
        return made

    def replies(self, key: QueryKey, generation: int) -> tuple[Dataset, ...] | None:
        """The replies kept for ``key`` if they were read at ``generation``."""
        with self._lock:
            found = self._replies.get(key)
            if found is None or found[0] != generation:
                return None
            self._replies.move_to_end(key)
            return found[1]

    def keep(self, key: QueryKey, generation: int, replies: list[Dataset]) -> None:
        """Keep the whole answer to ``key``, read from the catalogue at ``generation`` (read
        before the catalogue was)."""
        if len(replies) > self.most:
            return
        with self._lock:
            old = self._replies.pop(key, None)
            self._held -= len(old[1]) if old is not None else 0
            self._replies[key] = (generation, tuple(replies))
            self._held += len(replies)
            while len(self._replies) > self.size or self._held > self.limit:
                _, (_, dropped) = self._replies.popitem(last=False)
                self._held -= len(dropped)


# -- C-GET / C-MOVE ---------------------------------------------------------------------------
def to_retrieve(sandbox: Sandbox, catalogue: Catalogue, identifier: Dataset) -> list[Entry]:
    """The instances a retrieve identifier names (unique keys, UID lists allowed)."""
    filters = _sql_filters(identifier)
    if not filters:
        return []
    with sandbox.db.reading() as session:
        return catalogue(session, filters)


def stored_dataset(sandbox: Sandbox, entry: Entry, form: Form | None = None) -> EncodedDataset:
    """The stored file's data set to send as stored: its bytes after the file meta group (sent
    untouched when the accepted transfer syntax is the stored one; see ``net.EncodedDataset``),
    or re-encoded into the character-set ``form`` the party serves (cached per file and form)."""
    stored = STORED_FILES.get(entry.sha256, sandbox.blobs)
    served = STORED_FILES.served(entry.sha256, sandbox.blobs, form) if form is not None else None
    with open(sandbox.blobs.path(entry.sha256), "rb") as fp:
        fp.seek(stored.offset + (served.tail if served is not None else 0))
        encoded = fp.read()
    if served is not None:
        encoded = served.header + encoded
    head = stored.header
    labelled = stored.label or label(stored.file_meta, head.get("SOPClassUID", entry.sop_class),
                                     head.get("SOPInstanceUID", entry.sop_uid))
    return EncodedDataset(encoded, labelled)
