"""Starting and stopping an SCP: one pynetdicom AE per party, configured from the party
config (AE title, port, granted calling AEs, association limit), serving in background
threads.  Every association gets TCP_NODELAY and the exchange recorder's handlers; every
protocol handler sits behind the error boundary (``boundary.py``); the pynetdicom patches are
installed before the first AE starts (``patches.py``)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pynetdicom import AE, evt
from pynetdicom.transport import ThreadedAssociationServer

from reference.sandbox import Sandbox

from . import patches
from .boundary import guard_all
from .faults import reject_by_fault
from .net import MAX_PDU, NODELAY_HANDLERS, STORAGE_CLASSES, UNCOMPRESSED
from .recorder import DicomRecorder

#: ``(abstract syntax, transfer syntaxes, scu_role, scp_role)``; roles None = not negotiated
Context = tuple[str, Sequence[str], bool | None, bool | None]


@dataclass
class RunningScp:
    party: str
    ae_title: str
    host: str
    port: int
    ae: AE
    server: ThreadedAssociationServer
    recorder: DicomRecorder

    def stop(self) -> None:
        self.server.shutdown()
        self.ae.shutdown()

    def describe(self) -> dict[str, Any]:
        return {"ae_title": self.ae_title, "host": self.host, "port": self.port}


def address(sandbox: Sandbox, party: str) -> tuple[str, str, int]:
    """``(AE title, host, port)`` of the party's SCP as configured."""
    cfg = sandbox.config.parties[party]
    if not (cfg.ae_title and cfg.port):
        raise ValueError(f"parties.{party} has no DICOM ae_title/port configured")
    return cfg.ae_title, cfg.host or sandbox.config.listen.host, cfg.port


def recorder_for(sandbox: Sandbox, party: str, *, family: str) -> DicomRecorder:
    title, host, port = address(sandbox, party)
    return DicomRecorder(sandbox, party=party, family=family, called=title, host=host, port=port)


def start_scp(sandbox: Sandbox, party: str, *, recorder: DicomRecorder, contexts: Iterable[Context],
              handlers: list[Any], requested: Iterable[str] = ()) -> RunningScp:
    """Serve ``party``'s AE until ``stop()``; ``handlers`` are the protocol handlers
    (``[(evt.EVT_C_FIND, handle_find, [args…]), …]``); ``requested`` are storage SOP classes
    the AE proposes when it opens C-MOVE sub-associations."""
    patches.install()
    cfg = sandbox.config.parties[party]
    title, host, port = address(sandbox, party)
    ae = AE(ae_title=title)
    ae.maximum_associations = cfg.max_associations
    ae.require_calling_aet = list(cfg.allowed_callers)
    ae.require_called_aet = True  # a request for another AE title is refused (PS3.8 §9.3.4 reason 7)
    ae.maximum_pdu_size = MAX_PDU
    # a peer that connects and never negotiates (or sends garbage) holds a slot for at most acse_timeout
    ae.network_timeout, ae.acse_timeout, ae.dimse_timeout = 60, 5, 60
    for abstract, syntaxes, scu_role, scp_role in contexts:
        ae.add_supported_context(abstract, list(syntaxes), scu_role=scu_role, scp_role=scp_role)
    for abstract in requested:
        ae.add_requested_context(abstract, UNCOMPRESSED)
    server = ae.start_server((host, port), block=False,
                             evt_handlers=[*NODELAY_HANDLERS, (evt.EVT_REQUESTED, refuse_without_contexts),
                                           (evt.EVT_REQUESTED, reject_by_fault, [recorder]),
                                           *recorder.handlers(), *guard_all(handlers, recorder)])
    assert server is not None  # non-blocking: the server runs in its own thread
    return RunningScp(party, title, host, port, ae, server, recorder)


def refuse_without_contexts(event: evt.Event) -> None:
    """EVT_REQUESTED: an A-ASSOCIATE-RQ with no presentation context is malformed (PS3.8 §9.3.2):
    rejected (permanent, service user, no reason given) rather than accepted with nothing to do."""
    assoc = event.assoc
    request = assoc.requestor.primitive
    if request is not None and not request.presentation_context_definition_list:
        assoc.acse.send_reject(0x01, 0x01, 0x01)  # then as pynetdicom's own refusals end (acse.py)
        evt.trigger(assoc, evt.EVT_REJECTED, {})
        assoc.kill()


def storage_contexts(*, as_get_scp: bool = False) -> list[Context]:
    """Storage SOP classes: as an SCP (receiving C-STOREs), or as the C-GET SCP's role
    of storage SCU on the requestor's association (SCP/SCU role selection, PS3.7 D.3.3.4)."""
    if as_get_scp:
        return [(sop, UNCOMPRESSED, False, True) for sop in STORAGE_CLASSES]
    return [(sop, UNCOMPRESSED, None, None) for sop in STORAGE_CLASSES]


#: ``sandbox -> running SCP``: how a family starts one of its DICOM services.
Starter = Callable[[Sandbox], RunningScp]


class ScpStartError(OSError):
    """An SCP could not start (its port in use, its address not this machine's): which one."""

    def __init__(self, party: str, ae_title: str, host: str, port: int, cause: OSError) -> None:
        super().__init__(cause.errno, f"{party} SCP {ae_title} cannot listen on {host}:{port}: {cause.strerror or cause}")
        self.party, self.ae_title, self.host, self.port, self.cause = party, ae_title, host, port, cause


def start_all(sandbox: Sandbox, starters: Iterable[tuple[str, Starter]]) -> list[RunningScp]:
    """Start each ``(party, starter)`` whose party is simulated and has an AE title and port;
    all or none (a port in use stops the ones already started and raises ``ScpStartError``)."""
    started: list[RunningScp] = []
    try:
        for party, start in starters:
            cfg = sandbox.config.parties[party]
            if cfg.mode == "simulated" and cfg.ae_title and cfg.port:
                try:
                    started.append(start(sandbox))
                except OSError as exc:
                    ae, host, port = address(sandbox, party)
                    raise ScpStartError(party, ae, host, port, exc) from exc
    except Exception:
        for scp in started:
            scp.stop()
        raise
    return started
