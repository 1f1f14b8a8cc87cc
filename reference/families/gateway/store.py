"""The gateway's storage SCP (seeds/001 §4.2 方式一): the destination of the C-MOVEs the
collector sends the hospital PACS; what it receives is listed in ``dicom_stored`` as
store ``gateway``.  It runs in the serving process's parent, so the gateway's schedule
(``poller.py``, when ``poll_seconds`` is set) starts and stops with it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynetdicom import evt
from pynetdicom.sop_class import Verification

from reference.sandbox import Sandbox
from reference.transports.dicom.net import UNCOMPRESSED
from reference.transports.dicom.retrieve import handle_echo
from reference.transports.dicom.scp import RunningScp, recorder_for, start_scp, storage_contexts
from reference.transports.dicom.store import handle_store

PARTY, STORE = "gateway", "gateway"


@dataclass
class GatewayServices(RunningScp):
    """The storage SCP, and the schedule when configured."""

    poller: Any = None

    def stop(self) -> None:
        if self.poller is not None:
            self.poller.stop()
        super().stop()


def start_gateway_store(sandbox: Sandbox) -> RunningScp:
    rec = recorder_for(sandbox, PARTY, family="gateway-store")
    handlers = [(evt.EVT_C_STORE, handle_store, [rec, sandbox, STORE]),
                (evt.EVT_C_ECHO, handle_echo, [rec])]
    contexts = [(Verification, UNCOMPRESSED, None, None), *storage_contexts()]
    scp = start_scp(sandbox, PARTY, recorder=rec, contexts=contexts, handlers=handlers)
    interval = sandbox.config.parties[PARTY].collection.poll_seconds
    poller = None
    if interval > 0:
        from .poller import Poller

        poller = Poller(sandbox, interval).start()
    return GatewayServices(scp.party, scp.ae_title, scp.host, scp.port, scp.ae, scp.server, scp.recorder, poller=poller)
