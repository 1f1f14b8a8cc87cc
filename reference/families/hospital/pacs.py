"""The hospital PACS SCP (seeds/001 §4.2; INTERFACES.md §4 provider ``hospital``):
Verification and Study Root / Patient Root Query/Retrieve FIND, GET and MOVE at every
level over the simulated hospitals' studies (``pacs_instances``).  Only the configured
calling AEs (the portal AE) are granted an association; C-MOVE destinations come from the
configured table."""
from __future__ import annotations

from sqlalchemy.orm import Session

from reference.sandbox import Sandbox
from reference.storage.models import PacsInstance
from reference.transports.dicom.net import STORAGE_CLASSES
from reference.transports.dicom.qr import Entry, catalogue_entries
from reference.transports.dicom.retrieve import qr_contexts, qr_handlers
from reference.transports.dicom.scp import RunningScp, recorder_for, start_scp

PARTY = "hospital"


def pacs_catalogue(session: Session, filters: dict[str, list[str]]) -> list[Entry]:
    """The hospital PACS: every hospital's instances in ``pacs_instances``."""
    return catalogue_entries(PacsInstance, session, filters)


def start_pacs(sandbox: Sandbox) -> RunningScp:
    party = sandbox.config.parties[PARTY]
    rec = recorder_for(sandbox, PARTY, family="hospital-pacs")
    handlers = qr_handlers(rec, sandbox, pacs_catalogue, party, retrieve_ae=rec.called)
    return start_scp(sandbox, PARTY, recorder=rec, contexts=qr_contexts(), handlers=handlers,
                     requested=STORAGE_CLASSES)
