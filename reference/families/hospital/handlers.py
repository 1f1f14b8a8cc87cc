"""Handlers of ``openapi/hospital.yaml``: files and WADO-URI of a simulated hospital."""
from __future__ import annotations

from connexion.context import context
from sqlalchemy import select
from starlette.responses import Response

from reference.dicomtext import form_of
from reference.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import PacsInstance
from reference.transports.dicom.qr import served_file

from .files import MEDIA_TYPES, served


def getFile(hospitalCode: str, fileName: str) -> Response:
    """A file the hospital produced, by content address and type (sandbox-defined; INTERFACES.md §2)."""
    sandbox: Sandbox = context["sandbox"]
    digest, _, ext = fileName.partition(".")
    with sandbox.db.reading() as session:
        known = served(session, hospitalCode, digest, ext)
    if not known or not sandbox.blobs.exists(digest):
        raise NativeError([RULES.finding("HOSP-FILE-UNKNOWN", hospital=hospitalCode, name=fileName)])
    return Response(sandbox.blobs.get(digest), media_type=MEDIA_TYPES[ext])


def wado(hospitalCode: str, requestType: str, studyUID: str, seriesUID: str, objectUID: str,
         contentType: str = "application/dicom") -> Response:
    """WADO-URI retrieval of one instance — DICOM PS3.18 §6.2; seeds/001 §4.2 (in the character-set
    form ``parties.hospital.dicom_charset`` names, as the PACS SCP serves it; as stored when unset)."""
    sandbox: Sandbox = context["sandbox"]
    with sandbox.db.reading() as session:
        instance = session.scalar(select(PacsInstance).where(
            PacsInstance.hospital_code == hospitalCode, PacsInstance.study_uid == studyUID,
            PacsInstance.series_uid == seriesUID, PacsInstance.sop_uid == objectUID))
    if instance is None:
        raise NativeError([RULES.finding("HOSP-WADO-UNKNOWN", hospital=hospitalCode, studyUID=studyUID,
                                         seriesUID=seriesUID, objectUID=objectUID)])
    form = form_of(sandbox.config.parties["hospital"].dicom_charset)
    return Response(served_file(sandbox, instance.sha256, form), media_type="application/dicom")
