"""The sandbox's DICOM SCU: C-ECHO, C-FIND, C-GET, C-MOVE, C-STORE against a peer AE, each
recorded as an outbound exchange through ``reference.exchanges.recording`` (when a sandbox is
given).  Used by the collector, the imaging centre's ``dicom://`` fetch, ``imgcloud dicom …``
and the benchmark."""
from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydicom.dataset import Dataset
from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import Verification

from reference.exchanges import ExchangeDraft, Recording, recording
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox

from . import patches
from .net import MAX_PDU, NODELAY_HANDLERS, QR_MODELS, STORAGE_CLASSES, UNCOMPRESSED, part10
from .recorder import COUNTS, as_json
from .status import STATUS, category, is_success_or_warning, text

MODELS = QR_MODELS
#: Called with the sub-operation counts of each C-GET / C-MOVE response (``imgcloud dicom get`` shows them).
Progress = Callable[[dict[str, int]], None]


@dataclass(frozen=True)
class Peer:
    ae_title: str
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> tuple[Peer, dict[str, str]]:
        """``dicom://AET@host:port?StudyInstanceUID=…`` -> the peer and the query keys."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "dicom" or not parts.username or not parts.hostname or not parts.port:
            raise ValueError(f"not a dicom://AET@host:port?… reference: {url}")
        return cls(unquote(parts.username), parts.hostname, parts.port), {k: v[0] for k, v in parse_qs(parts.query).items()}

    def __str__(self) -> str:
        return f"{self.ae_title}@{self.host}:{self.port}"


@dataclass
class Result:
    """What an operation ended with."""

    status: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    matches: list[Dataset] = field(default_factory=list)
    files: list[bytes] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: how the association went: ``established``, ``rejected`` (``reason``: the A-ASSOCIATE-RJ's result,
    #: source and reason), ``unreachable`` (``reason``: refused, timed out, unknown host) or ``aborted``
    association: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 0 and not any(f.is_error for f in self.findings)


class DicomClient:
    """One calling AE; every call opens one association."""

    def __init__(self, sandbox: Sandbox | None, *, calling: str, party: str | None = None, timeout: float = 60) -> None:
        self.sandbox, self.calling, self.party, self.timeout = sandbox, calling, party, timeout

    def _ae(self, contexts: Iterable[str], storage_scp: bool = False) -> AE:
        patches.install()
        ae = AE(ae_title=self.calling)
        ae.acse_timeout = ae.network_timeout = ae.dimse_timeout = self.timeout
        ae.maximum_pdu_size = MAX_PDU
        for sop in contexts:
            ae.add_requested_context(sop, UNCOMPRESSED)
        if storage_scp:
            for sop in STORAGE_CLASSES:
                ae.add_requested_context(sop, UNCOMPRESSED)
        return ae

    def _run(self, peer: Peer, operation: str, request: dict[str, Any], contexts: Iterable[str], body: Any,
             *, storage_scp: bool = False, extra_handlers: Sequence[Any] = ()) -> Result:
        ae = self._ae(contexts, storage_scp)
        roles: list[Any] | None = [build_role(sop, scp_role=True) for sop in STORAGE_CLASSES] if storage_scp else None
        record, result = recording(self.sandbox, self._draft(operation)), Result()
        opened: list[bool] = []
        try:
            assoc = ae.associate(peer.host, peer.port, ae_title=peer.ae_title, ext_neg=roles, max_pdu=MAX_PDU,
                                 evt_handlers=[*NODELAY_HANDLERS, *extra_handlers,
                                               (evt.EVT_CONN_OPEN, lambda _: opened.append(True))])
            if not assoc.is_established:
                result.association, result.reason = _not_established(assoc, peer, bool(opened))
                result.findings.append(RULES.finding("DICOM-PEER-FAILED", peer=str(peer),
                                                     detail=f"association {result.association}: {result.reason}"))
            else:
                result.association = "established"
                try:
                    body(assoc, result)
                finally:
                    if assoc.is_established:
                        assoc.release()
                if result.status is None:
                    result.findings.append(RULES.finding("DICOM-PEER-FAILED", peer=str(peer),
                                                         detail=f"no {operation} response (association ended)"))
                elif not is_success_or_warning(result.status):
                    result.findings.append(RULES.finding("DICOM-PEER-FAILED", peer=str(peer),
                                                         detail=f"{operation} status 0x{result.status:04X}"))
        finally:
            ae.shutdown()
        self._finish(record, peer, operation, request, result)
        return result

    def _draft(self, operation: str) -> ExchangeDraft:
        return ExchangeDraft(direction="outbound", transport="dicom", party=self.party, family="dicom",
                             operation=operation, institution=self.calling)

    def _finish(self, record: Recording, peer: Peer, operation: str, request: dict[str, Any], result: Result) -> None:
        record.draft.add(result.findings)
        response = {"status": text(result.status), **result.counts,
                    "matches": len(result.matches), "files": len(result.files)}
        record.finish(method=operation, url=f"dicom://{self.calling}->{peer.ae_title}@{peer.host}:{peer.port}",
                      status=result.status, request=request, response=response)

    # -- operations ----------------------------------------------------------------------------
    def echo(self, peer: Peer) -> Result:
        def body(assoc: Any, result: Result) -> None:
            status = assoc.send_c_echo()
            result.status = int(status.Status) if "Status" in status else None
        return self._run(peer, "C-ECHO", {}, [Verification], body)

    def find(self, peer: Peer, identifier: Dataset, *, model: str = "study") -> Result:
        _utf8(identifier)

        def body(assoc: Any, result: Result) -> None:
            for status, ds in assoc.send_c_find(identifier, MODELS[model][0]):
                if "Status" not in status:
                    return
                result.status = int(status.Status)
                if category(result.status) == "pending" and ds is not None:
                    result.matches.append(ds)
        return self._run(peer, "C-FIND", as_json(identifier), [MODELS[model][0]], body)

    def get(self, peer: Peer, identifier: Dataset, *, model: str = "study", progress: Progress | None = None) -> Result:
        """C-GET: the instances come back as C-STOREs on this association, kept as sent.
        ``progress`` is called with each response's sub-operation counts (and the bytes received)."""
        received: list[bytes] = []

        def on_store(event: evt.Event) -> int:
            received.append(part10(event))
            return STATUS["success"]

        def body(assoc: Any, result: Result) -> None:
            for status, _ in assoc.send_c_get(identifier, MODELS[model][1]):
                if "Status" not in status:
                    return
                _final(result, status)
                if progress is not None:
                    progress({**result.counts, "bytes": sum(len(f) for f in received)})
            result.files = received
        return self._run(peer, "C-GET", as_json(identifier), [MODELS[model][1]], body, storage_scp=True,
                         extra_handlers=[(evt.EVT_C_STORE, on_store)])

    def move(self, peer: Peer, identifier: Dataset, destination: str, *, model: str = "study",
             progress: Progress | None = None) -> Result:
        def body(assoc: Any, result: Result) -> None:
            for status, _ in assoc.send_c_move(identifier, destination, MODELS[model][2]):
                if "Status" not in status:
                    return
                _final(result, status)
                if progress is not None:
                    progress(dict(result.counts))
        return self._run(peer, "C-MOVE", {**as_json(identifier), "MoveDestination": destination},
                         [MODELS[model][2]], body)

    def store(self, peer: Peer, files: Sequence[str | Path]) -> Result:
        """C-STORE each file as stored (sent from the file without decoding)."""
        def body(assoc: Any, result: Result) -> None:
            done = failed = 0
            for path in files:
                status = assoc.send_c_store(Path(path))
                code = int(status.Status) if "Status" in status else None
                done, failed = (done + 1, failed) if code == 0 else (done, failed + 1)
                result.status = code if code else result.status or 0
                if code is None:
                    return
            result.counts = {"NumberOfCompletedSuboperations": done, "NumberOfFailedSuboperations": failed}
        return self._run(peer, "C-STORE", {"files": len(files)}, STORAGE_CLASSES, body)


def _not_established(assoc: Any, peer: Peer, opened: bool) -> tuple[str, str]:
    """Why an association did not come up: rejected (and the SCP's reason), unreachable, or aborted."""
    if assoc.is_rejected:
        prim = assoc.acceptor.primitive
        if prim is not None:
            return "rejected", f"{prim.result_str}, by the {prim.source_str}: {prim.reason_str}"
        return "rejected", "no reason received"
    if not opened:
        return "unreachable", _unreachable(peer)
    return "aborted", "the peer aborted it, or sent no A-ASSOCIATE answer in time"


def _unreachable(peer: Peer) -> str:
    """What a plain TCP connection to ``peer`` says (nothing listening, no route, no such host)."""
    try:
        with socket.create_connection((peer.host, peer.port), timeout=3):
            return "the connection closed before the association began"
    except ConnectionRefusedError:
        return f"connection refused: nothing listens on {peer.host}:{peer.port}"
    except TimeoutError:
        return f"no answer from {peer.host}:{peer.port} within 3 s (a firewall, or the wrong host?)"
    except socket.gaierror as exc:
        return f"unknown host {peer.host!r} ({exc.strerror})"
    except OSError as exc:
        return f"cannot connect to {peer.host}:{peer.port}: {exc.strerror or exc}"


def _utf8(identifier: Dataset) -> None:
    """Chinese keys (PatientName …) travel as UTF-8 (ISO_IR 192)."""
    if "SpecificCharacterSet" not in identifier:
        identifier.SpecificCharacterSet = "ISO_IR 192"


def _final(result: Result, status: Dataset) -> None:
    result.status = int(status.Status)
    result.counts = {k: int(status[k].value) for k in COUNTS if k in status and status[k].value is not None}


def study_identifier(study_uid: str, level: str = "STUDY", **keys: str) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = level
    ds.StudyInstanceUID = study_uid
    for keyword, value in keys.items():
        setattr(ds, keyword, value)
    return ds
