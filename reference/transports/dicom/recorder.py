"""The DICOM side of the exchange log: one record per association (when it ends: released,
aborted or rejected) and one per DIMSE operation (when its final response is sent), written
through ``reference.exchanges.recording`` like every other exchange.

Handlers only *describe* an operation (``begin``: identifier and findings); the final
response, whoever built it (the handler, pynetdicom from sub-operation results, or the error
boundary from an exception), is what ``EVT_DIMSE_SENT`` records — one place per transport."""
from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.uid import UID
from pynetdicom import evt

from reference.exchanges import ExchangeDraft, Recording, recording
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox

from . import commands
from .net import REJECT_REASONS
from .status import is_final, text

#: Final DIMSE responses by message class -> operation name.
RESPONSES = {"C_ECHO_RSP": "C-ECHO", "C_FIND_RSP": "C-FIND", "C_GET_RSP": "C-GET", "C_MOVE_RSP": "C-MOVE",
             "C_STORE_RSP": "C-STORE"}
COUNTS = ("NumberOfCompletedSuboperations", "NumberOfFailedSuboperations", "NumberOfWarningSuboperations",
          "NumberOfRemainingSuboperations")


def as_json(ds: Dataset | None, texts: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An identifier as the log keeps it: keyword -> text (sequences and bulk data summarised);
    ``texts`` (keyword -> text, from the charset forensics) stands for text elements' values,
    which are then never decoded here."""
    out: dict[str, Any] = {}
    if ds is None:
        return out
    for tag in ds.keys():
        key = keyword_for_tag(tag) or str(tag)
        if texts is not None and key in texts:
            out[key] = texts[key]
            continue
        elem = ds[tag]
        if elem.tag.group == 0x7FE0 or elem.VR in ("OB", "OW", "OF", "OD", "UN"):
            continue
        if elem.VR == "SQ":
            out[key] = [as_json(item) for item in elem.value]
        elif elem.VM > 1:
            out[key] = [str(v) for v in elem.value]
        else:
            out[key] = "" if elem.value is None else str(elem.value)
    return out


@dataclass
class _Op:
    record: Recording
    request: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Assoc:
    record: Recording
    operations: int = 0
    #: the connection closed before the association's end was reported (``_on_close``)
    closed: bool = False


class DicomRecorder:
    """Records what one SCP (``party``, AE ``called``) serves, as inbound exchanges."""

    def __init__(self, sandbox: Sandbox, *, party: str, family: str, called: str, host: str, port: int) -> None:
        self.sandbox, self.party, self.family = sandbox, party, family
        self.called, self.host, self.port = called, host, port
        self._ops: dict[tuple[int, int], _Op] = {}
        self._assocs: dict[int, _Assoc] = {}
        self._marks: dict[tuple[int, int], dict[str, Any]] = {}  # faults injected, by operation
        self._lock = threading.Lock()

    # -- what handlers (and the error boundary) call ----------------------------------------
    def begin(self, event: evt.Event, operation: str, request: dict[str, Any],
              findings: list[Finding] | None = None, **extra: Any) -> ExchangeDraft:
        """Describe the operation being served; its draft collects findings until the final response."""
        op = _Op(recording(self.sandbox, self._draft(event, operation)), request, dict(extra))
        op.record.draft.add(findings or [])
        with self._lock:
            self._ops[(id(event.assoc), _message_id(event))] = op
        return op.record.draft

    def current(self, event: evt.Event, operation: str) -> ExchangeDraft:
        """The draft of the operation being served (begun now if its handler never began it)."""
        with self._lock:
            op = self._ops.get((id(event.assoc), _message_id(event)))
        return op.record.draft if op is not None else self.begin(event, operation, {})

    @staticmethod
    def calling(event: evt.Event) -> str:
        return _calling(event)

    def note(self, event: evt.Event, **extra: Any) -> None:
        """Add facts to the logged response of the operation being served."""
        op = self._ops.get((id(event.assoc), _message_id(event)))
        if op is not None:
            op.extra.update(extra)

    def mark(self, event: evt.Event, fault: dict[str, Any]) -> None:
        """The operation being served carries an injected fault (``faults.py``)."""
        with self._lock:
            self._marks[(id(event.assoc), _message_id(event))] = fault

    def mark_association(self, assoc: Any, fault: dict[str, Any]) -> None:
        with self._lock:
            state = self._assocs.get(id(assoc))
        if state is not None:
            state.record.draft.fault = fault

    def handlers(self) -> list[Any]:
        """Bound to every association of the SCP."""
        return [
            (evt.EVT_CONN_OPEN, self._on_open),
            (evt.EVT_DIMSE_SENT, self._on_sent),
            (evt.EVT_RELEASED, self._on_end, ["released"]),
            (evt.EVT_ABORTED, self._on_end, ["aborted"]),
            (evt.EVT_REJECTED, self._on_end, ["rejected"]),
            (evt.EVT_CONN_CLOSE, self._on_close),
        ]

    # -- events ------------------------------------------------------------------------------
    def _draft(self, event: evt.Event, operation: str) -> ExchangeDraft:
        return ExchangeDraft(direction="inbound", transport="dicom", party=self.party, family=self.family,
                             operation=operation, institution=_calling(event))

    def _url(self, event: evt.Event) -> str:
        return f"dicom://{_calling(event)}->{self.called}@{self.host}:{self.port}"

    def _on_open(self, event: evt.Event) -> None:
        with self._lock:
            self._assocs[id(event.assoc)] = _Assoc(recording(self.sandbox, self._draft(event, "A-ASSOCIATE")))

    def _on_close(self, event: evt.Event) -> None:
        with self._lock:
            state = self._assocs.get(id(event.assoc))
            if state is not None and state.record.draft.fault is not None and not state.record.finished:
                # a peer refused by a fault closes once the A-ASSOCIATE-RJ arrives, and the DUL's thread can
                # see that before the association's thread reports the rejection: the record keeps its
                # fault's mark for ``_on_end``, which drops it (a loaded machine logged the rejection unmarked)
                state.closed = True
            else:
                self._assocs.pop(id(event.assoc), None)
            for key in [k for k in self._ops if k[0] == id(event.assoc)]:
                self._ops.pop(key, None)
            for key in [k for k in self._marks if k[0] == id(event.assoc)]:
                self._marks.pop(key, None)

    def _on_sent(self, event: evt.Event) -> None:
        name = type(event.message).__name__
        if name not in RESPONSES:
            return
        cs = commands.values(event.message)  # as written: nothing decoded again (``commands.py``)
        status = int(cs["Status"])
        if not is_final(status):
            return
        responding = int(cs["MessageIDBeingRespondedTo"])
        with self._lock:
            op = self._ops.pop((id(event.assoc), responding), None)
            mark = self._marks.pop((id(event.assoc), responding), None)
            state = self._assocs.get(id(event.assoc))
            if state:
                state.operations += 1
        if op is None:
            op = _Op(recording(self.sandbox, self._draft(event, RESPONSES[name])), {})
        counts = {k: int(cs[k]) for k in COUNTS if cs.get(k) is not None}
        failed = counts.get("NumberOfFailedSuboperations", 0)
        draft = op.record.draft
        draft.fault = mark or draft.fault
        if failed and not any(f.rule == "DICOM-SUBOPS-FAILED" for f in draft.findings):
            draft.add([RULES.finding("DICOM-SUBOPS-FAILED", operation=RESPONSES[name], failed=failed,
                                     completed=counts.get("NumberOfCompletedSuboperations", 0),
                                     warning=counts.get("NumberOfWarningSuboperations", 0), uids="—")])
        op.record.finish(method=RESPONSES[name], url=self._url(event), status=status, request=op.request,
                         response={"status": text(status), **op.extra, **counts})

    def _on_end(self, event: evt.Event, how: str) -> None:
        with self._lock:
            state = self._assocs.get(id(event.assoc))
        record = state.record if state else recording(self.sandbox, self._draft(event, "A-ASSOCIATE"))
        record.draft.institution = _calling(event)  # unknown when the connection opened
        response: dict[str, Any] = {"result": how, "operations": state.operations if state else 0}
        status = None
        unsupported = self._unsupported(event, response) if how != "rejected" else None
        if unsupported is not None:
            record.draft.add([unsupported])  # the peer's abort that follows is its consequence
        elif how == "aborted":
            record.draft.add([RULES.finding("DICOM-ASSOC-ABORTED", calling=_calling(event))])
        elif how == "rejected":
            record.draft.add([self._rejection(event, response)])
            status = response.get("reason")
        request = {"calling": _calling(event), "called": self.called,
                   "peer": f"{event.assoc.requestor.address}:{event.assoc.requestor.port}"}
        record.finish(method="A-ASSOCIATE", url=self._url(event), status=status, request=request, response=response)
        if state is not None:
            with self._lock:
                if state.closed and self._assocs.get(id(event.assoc)) is state:
                    del self._assocs[id(event.assoc)]

    def _unsupported(self, event: evt.Event, response: dict[str, Any]) -> Finding | None:
        """The contexts refused (PS3.8 §9.3.3.2 result 3: abstract syntax not supported; 4: no
        transfer syntax) in the response; when none was accepted, a finding, and the abstract
        syntaxes this SCP supports (what the console's near misses rank)."""
        assoc = event.assoc
        refused = [{"abstract": str(cx.abstract_syntax), "name": uid_name(str(cx.abstract_syntax)),
                    "result": int(cx.result or 0)} for cx in assoc.rejected_contexts]
        if not refused:
            return None
        response["rejected_contexts"] = refused
        abstract = [r for r in refused if r["result"] == 3]
        if assoc.accepted_contexts or not abstract:
            return None
        response["supported"] = sorted({str(cx.abstract_syntax) for cx in assoc.ae.supported_contexts})
        proposed = "; ".join(dict.fromkeys(f"{r['name']} ({r['abstract']})" for r in abstract))
        return RULES.finding("DICOM-ABSTRACT-SYNTAX-UNSUPPORTED", called=self.called, calling=_calling(event),
                             proposed=proposed)

    def _rejection(self, event: evt.Event, response: dict[str, Any]) -> Finding:
        prim = event.assoc.acceptor.primitive
        result, source, reason = (int(getattr(prim, k, 0) or 0) for k in ("result", "result_source", "diagnostic"))
        response.update(reject_result=result, source=source, reason=reason)
        allowed = list(event.assoc.ae.require_calling_aet)
        request = event.assoc.requestor.primitive
        if request is not None and not request.presentation_context_definition_list:
            return RULES.finding("DICOM-NO-CONTEXTS")
        if (source, reason) == (1, 7) and request is not None:
            requested = request.called_ae_title
            requested = requested.decode(errors="replace") if isinstance(requested, bytes) else str(requested)
            return RULES.finding("DICOM-CALLED-AE-UNKNOWN", requested=requested.strip(), called=self.called)
        if (source, reason) == (1, 3):
            return RULES.finding("DICOM-CALLING-AE-UNKNOWN", calling=_calling(event), called=self.called,
                                 allowed=", ".join(allowed) or "—")
        return RULES.finding("DICOM-ASSOC-REJECTED", calling=_calling(event), called=self.called, result=result,
                             source=source, reason=reason,
                             detail=REJECT_REASONS.get((source, reason), "—"))


def uid_name(uid: str) -> str:
    """A UID's name in the DICOM dictionary (PS3.6 Annex A), or the UID itself."""
    name = UID(uid).name
    return str(name) if name and name != uid else uid


def _message_id(event: evt.Event) -> int:
    """The Message ID of the request an event is about (always set on a request)."""
    return int(event.request.MessageID or 0)


def _calling(event: evt.Event) -> str:
    title = event.assoc.requestor.ae_title
    return (title.decode(errors="replace") if isinstance(title, bytes) else str(title or "")).strip()
