"""Q/R handlers shared by the hospital PACS and the cloud archive: C-ECHO, C-FIND, C-GET,
C-MOVE over a catalogue (PS3.4 Annex A, C).  Each returns protocol outcomes; the recorder
logs the final response (``log.py``).  A C-FIND identifier's text gets the same charset
forensics as a received instance (CTK #1212: Chinese queries arriving garbled); the party's
``dicom_charset`` form, when set, is what replies and retrieved instances are served in."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynetdicom import evt
from pynetdicom.sop_class import Verification

from reference.config import PartyConfig
from reference.dicomtext import Form, examine, form_of
from reference.dicomtext import findings as charset_findings
from reference.rules import RULES
from reference.sandbox import Sandbox

from . import qr
from .net import MAX_PDU, NODELAY_HANDLERS, QR_MODELS, UNCOMPRESSED
from .recorder import DicomRecorder, as_json
from .scp import Context, storage_contexts
from .status import STATUS

#: SOP class -> model name, for the abstract syntax an operation arrived on.
MODELS = {sop: name for name, sops in QR_MODELS.items() for sop in sops}


def qr_contexts(*, storage: bool = True) -> list[Context]:
    """Verification, Study Root and Patient Root FIND/GET/MOVE, and (``storage``) the storage
    contexts a C-GET SCP sends on (the requestor's SCP role)."""
    return [(Verification, UNCOMPRESSED, None, None),
            *[(sop, UNCOMPRESSED, None, None) for sop in MODELS],
            *(storage_contexts(as_get_scp=True) if storage else [])]


def handle_echo(event: evt.Event, rec: DicomRecorder) -> int:
    """C-ECHO — PS3.4 Annex A (Verification); seeds/001 §4.2 c."""
    rec.begin(event, "C-ECHO", {})
    return STATUS["success"]


def _query(event: evt.Event) -> qr.Query:
    """The request's identifier sorted out (``qr.FindCache.query``: once per distinct identifier)."""
    identifier = event.identifier
    charset = examine(identifier)  # first: nothing has decoded the identifier's text yet
    model = MODELS.get(event.context.abstract_syntax, "study")
    level, problem = qr.check_level(identifier, model, retrieve=False)
    return qr.Query(identifier, level, problem, charset.texts, tuple(charset_findings(charset)),
                    as_json(identifier, charset.texts))


def handle_find(event: evt.Event, rec: DicomRecorder, sandbox: Sandbox, catalogue: qr.Catalogue,
                retrieve_ae: str, form: Form | None = None, cache: qr.FindCache | None = None
                ) -> Iterator[tuple[int, Any]]:
    """C-FIND — PS3.4 C.4.1 at PATIENT/STUDY/SERIES/IMAGE level.  ``cache`` (one per SCP,
    ``qr_handlers``) keeps each distinct identifier's reading and its replies until the catalogue
    changes; every query is still logged with its identifier, findings and matches."""
    cache = cache if cache is not None else qr.FindCache(sandbox.catalogue, size=0)
    raw = getattr(event.request, "Identifier", None)  # a C-FIND-RQ's (an N-GET's has none)
    syntax = event.context.transfer_syntax
    key = (raw.getvalue() if raw is not None else None, str(syntax), str(event.context.abstract_syntax))
    query = cache.query(key, lambda: _query(event))
    rec.begin(event, "C-FIND", dict(query.request), [*([query.problem] if query.problem else []), *query.findings])
    if query.problem:
        yield STATUS["identifier_mismatch"], None
        return
    generation = cache.generation.read()  # before the catalogue is read (``reference.storage.generation``)
    kept = cache.replies(key, generation)
    replies = kept if kept is not None else qr.find(
        sandbox, catalogue, query.identifier, query.level, retrieve_ae, texts=query.texts, form=form,
        syntax=(syntax.is_implicit_VR, syntax.is_little_endian))
    matches, sent = 0, []
    for reply in replies:
        if event.is_cancelled:
            yield STATUS["cancel"], None
            return
        matches += 1
        if matches <= cache.most:
            sent.append(reply)
        yield STATUS["pending"], reply
    if kept is None and matches <= cache.most:
        cache.keep(key, generation, sent)  # only an answer sent whole: not cancelled, failed or cut short
    rec.note(event, matches=matches)


def _retrieve(event: evt.Event, rec: DicomRecorder, sandbox: Sandbox, catalogue: qr.Catalogue,
              operation: str, **extra: Any) -> tuple[list[qr.Entry], Any]:
    identifier = event.identifier
    model = MODELS.get(event.context.abstract_syntax, "study")
    _, problem = qr.check_level(identifier, model, retrieve=True)
    entries = [] if problem else qr.to_retrieve(sandbox, catalogue, identifier)
    findings = [problem] if problem else []
    if not problem and not entries:
        findings.append(RULES.finding("DICOM-QR-NO-MATCH", keys=as_json(identifier)))
    draft = rec.begin(event, operation, as_json(identifier), findings, **extra)
    return entries, (problem, draft)


def _send(event: evt.Event, sandbox: Sandbox, entries: list[qr.Entry], form: Form | None) -> Iterator[tuple[int, Any]]:
    for entry in entries:
        if event.is_cancelled:
            yield STATUS["cancel"], None
            return
        yield STATUS["pending"], qr.stored_dataset(sandbox, entry, form)


def _sub_operations(event: evt.Event, sandbox: Sandbox, entries: list[qr.Entry], problem: Any,
                    form: Form | None = None) -> Iterator[Any]:
    """What C-GET and C-MOVE yield once the peer is known: the count, then each instance."""
    if problem:
        yield 1
        yield STATUS["identifier_mismatch"], None
        return
    yield len(entries)
    yield from _send(event, sandbox, entries, form)


def handle_get(event: evt.Event, rec: DicomRecorder, sandbox: Sandbox,
               catalogue: qr.Catalogue, form: Form | None = None) -> Iterator[Any]:
    """C-GET — PS3.4 C.4.3: the instances come back on the requestor's association."""
    entries, (problem, _) = _retrieve(event, rec, sandbox, catalogue, "C-GET")
    yield from _sub_operations(event, sandbox, entries, problem, form)


def handle_move(event: evt.Event, rec: DicomRecorder, sandbox: Sandbox, catalogue: qr.Catalogue,
                party: PartyConfig) -> Iterator[Any]:
    """C-MOVE — PS3.4 C.4.2; destinations only from the configured table (seeds/001 §4.2 b)."""
    destination = str(event.move_destination.decode() if isinstance(event.move_destination, bytes)
                      else event.move_destination).strip()
    peer = party.move_destinations.get(destination)
    entries, (problem, draft) = _retrieve(event, rec, sandbox, catalogue, "C-MOVE", destination=destination)
    if peer is None:
        draft.add([RULES.finding("DICOM-MOVE-DESTINATION-UNKNOWN", destination=destination,
                                 known=", ".join(party.move_destinations) or "—")])
        yield None, None
        return
    yield peer.host, peer.port, {"evt_handlers": NODELAY_HANDLERS, "max_pdu": MAX_PDU}
    yield from _sub_operations(event, sandbox, entries, problem, form_of(party.dicom_charset))


def qr_handlers(rec: DicomRecorder, sandbox: Sandbox, catalogue: qr.Catalogue, party: PartyConfig,
                retrieve_ae: str) -> list[Any]:
    """The Q/R SCP, as data (served in the party's ``dicom_charset`` form, if it names one)."""
    form = form_of(party.dicom_charset)
    return [
        (evt.EVT_C_ECHO, handle_echo, [rec]),
        (evt.EVT_C_FIND, handle_find, [rec, sandbox, catalogue, retrieve_ae, form,
                                       qr.FindCache(sandbox.catalogue)]),
        (evt.EVT_C_GET, handle_get, [rec, sandbox, catalogue, form]),
        (evt.EVT_C_MOVE, handle_move, [rec, sandbox, catalogue, party]),
    ]
