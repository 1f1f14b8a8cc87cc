"""Storage SCP handling (PS3.4 Annex B): a received instance is kept exactly as the peer
encoded it (``net.part10``: the data set as received behind a file meta group, no
decode/re-encode) in the blob store and listed in ``dicom_stored`` under the SCP's store
name.  A ``check`` may refuse it first (the archive).  Whatever is stored, the charset
forensics of its text (``reference.dicomtext``) are findings on the C-STORE's exchange."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from pydicom.dataset import Dataset
from pynetdicom import evt
from pynetdicom.dimse_primitives import C_STORE
from sqlalchemy import select

from reference.dicomio import DicomIdentity, NotDicom, identity_of, read_header
from reference.dicomtext import findings as charset_findings
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import DicomStored

from .net import part10
from .recorder import DicomRecorder
from .status import STATUS

#: ``(sandbox, identity, header) -> (status, findings)``; status 0 stores the instance
Check = Callable[[Sandbox, DicomIdentity, Dataset], tuple[int, list[Finding]]]


def _request(ident: DicomIdentity) -> dict[str, Any]:
    return {"PatientID": ident.patient_id, "PatientName": ident.patient_name, "AccessionNumber": ident.accession,
            "StudyInstanceUID": ident.study_uid, "SeriesInstanceUID": ident.series_uid,
            "SOPInstanceUID": ident.sop_uid, "SOPClassUID": ident.sop_class, "SeriesNumber": ident.series_number,
            "TransferSyntaxUID": ident.transfer_syntax}


def keep(sandbox: Sandbox, store: str, calling: str, data: bytes, ident: DicomIdentity) -> str:
    """Put the file in the blob store and list it under ``store`` (a resent SOP instance replaces)."""
    with sandbox.db.session() as session:
        digest = sandbox.store_blob(session, data, "application/dicom")
        row = session.scalar(select(DicomStored).where(DicomStored.store == store,
                                                       DicomStored.sop_uid == ident.sop_uid))
        if row is None:
            row = DicomStored(store=store, sop_uid=ident.sop_uid)
            session.add(row)
        row.calling_ae, row.patient_id, row.accession = calling[:16], ident.patient_id, ident.accession
        row.study_uid, row.series_uid, row.sop_class = ident.study_uid, ident.series_uid, ident.sop_class
        row.series_number, row.instance_number = ident.series_number, ident.instance_number
        row.transfer_syntax, row.sha256, row.received_at = ident.transfer_syntax, digest, sandbox.now()
    return digest


def handle_store(event: evt.Event, rec: DicomRecorder, sandbox: Sandbox, store: str,
                 check: Check | None = None) -> int:
    """C-STORE — PS3.4 B.2 (and seeds/004 §3.2.3.2.1 through ``check``)."""
    data = part10(event)
    calling = rec.calling(event)
    try:
        head = read_header(data)
        ident = identity_of(head)
    except (NotDicom, ValueError, EOFError) as exc:
        sop = cast(C_STORE, event.request).AffectedSOPInstanceUID
        rec.begin(event, "C-STORE", {"SOPInstanceUID": str(sop)},
                  [RULES.finding("DICOM-STORE-UNREADABLE", detail=str(exc))])
        return STATUS["cannot_understand"]
    status, findings = check(sandbox, ident, head) if check else (0, [])
    findings += charset_findings(ident.charset) if ident.charset else []
    rec.begin(event, "C-STORE", _request(ident), findings, size=len(data))
    if status:
        return status
    rec.note(event, sha256=keep(sandbox, store, calling, data, ident))
    return STATUS["success"]
