"""The cloud archive SCP (seeds/004 §3.2.3.2; INTERFACES.md §5 provider ``regional_platform``).

C-STORE (3.2.3.2.1): accepted only for a study whose exam was registered first (the exam
JSON push, ``POST /{project}/v1/exam/push`` -> ``register_exam``); PatientID,
StudyInstanceUID and AccessionNumber must match the registration; scanned request forms
are series number 0; compressed or encrypted data is refused (only uncompressed little
endian transfer syntaxes are accepted in the presentation contexts).  Q/R of what it
holds: Study Root / Patient Root FIND, GET, MOVE."""
from __future__ import annotations

from typing import Any

from pydicom.dataset import Dataset
from pynetdicom import evt
from sqlalchemy import select

from reference.dicomio import DicomIdentity
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import ArchiveExam
from reference.transports.dicom import qr
from reference.transports.dicom.net import SECONDARY_CAPTURE_PREFIX, STORAGE_CLASSES
from reference.transports.dicom.recorder import DicomRecorder
from reference.transports.dicom.retrieve import qr_contexts, qr_handlers
from reference.transports.dicom.scp import RunningScp, recorder_for, start_scp, storage_contexts
from reference.transports.dicom.status import STATUS
from reference.transports.dicom.store import handle_store

PARTY, STORE = "regional_platform", "archive"
#: ConversionType of a scanned document / image (PS3.3 C.8.6.1): a scanned request form
SCANNED = ("SD", "SI", "DF")


def register_exam(sandbox: Sandbox, *, patient_id: str, study_uid: str, accession: str,
                  hospital_code: str | None = None, **details: Any) -> None:
    """Register an exam's study before its images (each ``imageList`` entry of an exam/push,
    004 §3.2.3.1, ``service.push``); a repeated registration of the study updates it."""
    with sandbox.db.session() as session:
        exam = session.scalar(select(ArchiveExam).where(ArchiveExam.study_uid == study_uid))
        if exam is None:
            exam = ArchiveExam(study_uid=study_uid)
            session.add(exam)
        exam.patient_id, exam.accession, exam.hospital_code = patient_id, accession, hospital_code
        exam.details, exam.registered_at = details, sandbox.now()


def archive_rules(sandbox: Sandbox, ident: DicomIdentity, head: Dataset) -> tuple[int, list[Finding]]:
    """The rules of 004 §3.2.3.2.1 for one instance: ``(status, findings)``."""
    if "EncryptedAttributesSequence" in head or ident.transfer_syntax not in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1"):
        detail = "EncryptedAttributesSequence (0400,0500)" if "EncryptedAttributesSequence" in head \
            else f"transfer syntax {ident.transfer_syntax}"
        return STATUS["data_set_mismatch"], [RULES.finding("DICOM-ARCHIVE-ENCODING", detail=detail)]
    with sandbox.db.reading() as session:
        exam = session.scalar(select(ArchiveExam).where(ArchiveExam.study_uid == ident.study_uid))
    if exam is None:
        return STATUS["not_authorized"], [RULES.finding("DICOM-ARCHIVE-NOT-REGISTERED", study=ident.study_uid)]
    findings = [RULES.finding("DICOM-ARCHIVE-ID-MISMATCH", tag=tag, actual=actual, expected=expected)
                for tag, actual, expected in (("PatientID", ident.patient_id, exam.patient_id),
                                              ("AccessionNumber", ident.accession, exam.accession))
                if actual != expected and (expected or tag == "PatientID")]  # an accessionNo not pushed is not compared
    conversion = str(head.get("ConversionType", ""))
    if ident.sop_class.startswith(SECONDARY_CAPTURE_PREFIX) and conversion in SCANNED and ident.series_number != 0:
        findings.append(RULES.finding("DICOM-ARCHIVE-FORM-SERIES", conversion=conversion, series=ident.series_number))
    return (STATUS["data_set_mismatch"] if findings else STATUS["success"]), findings


def handle_archive_store(event: evt.Event, rec: DicomRecorder, sandbox: Sandbox) -> int:
    """C-STORE into the archive (004 §3.2.3.2.1); an accepted image moves its exam along (the HIS
    is told 50 收到影像, ``notify``) in a job, after the response."""
    accepted: list[str] = []

    def check(sb: Sandbox, ident: DicomIdentity, head: Dataset) -> tuple[int, list[Finding]]:
        status, findings = archive_rules(sb, ident, head)
        if status == STATUS["success"]:
            accepted.append(ident.study_uid)
        return status, findings

    status = handle_store(event, rec, sandbox, STORE, check)
    if status == STATUS["success"] and accepted:
        from .notify import images_archived

        sandbox.jobs.submit("images-archived", images_archived, sandbox, accepted[0])
    return status


def start_archive(sandbox: Sandbox) -> RunningScp:
    party = sandbox.config.parties[PARTY]
    rec = recorder_for(sandbox, PARTY, family="regional-archive")
    catalogue = qr.stored_catalogue(STORE)
    handlers = [
        (evt.EVT_C_STORE, handle_archive_store, [rec, sandbox]),
        *qr_handlers(rec, sandbox, catalogue, party, retrieve_ae=rec.called),
    ]
    # storage contexts both ways: receiving C-STOREs, and sending on a C-GET requestor's association
    contexts = [*qr_contexts(storage=False), *[(sop, ts, True, True) for sop, ts, _, _ in storage_contexts()]]
    return start_scp(sandbox, PARTY, recorder=rec, contexts=contexts, handlers=handlers, requested=STORAGE_CLASSES)
