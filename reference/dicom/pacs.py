"""The hospital PACS SCP (seeds/001 §4.2; INTERFACES.md §4 provider ``hospital``):
Verification and Study Root / Patient Root Query/Retrieve FIND, GET and MOVE at every
level over the simulated hospitals' studies (``pacs_instances``).  Only the configured
calling AEs (the portal AE) are granted an association; C-MOVE destinations come from the
configured table."""
from __future__ import annotations

from reference.sandbox import Sandbox

from . import qr
from .net import STORAGE_CLASSES
from .retrieve import qr_contexts, qr_handlers
from .scp import RunningScp, recorder_for, start_scp

PARTY = "hospital"


def start_pacs(sandbox: Sandbox) -> RunningScp:
    party = sandbox.config.parties[PARTY]
    rec = recorder_for(sandbox, PARTY, family="hospital-pacs")
    handlers = qr_handlers(rec, sandbox, qr.pacs_catalogue, party, retrieve_ae=rec.called)
    return start_scp(sandbox, PARTY, recorder=rec, contexts=qr_contexts(), handlers=handlers,
                     requested=STORAGE_CLASSES)
