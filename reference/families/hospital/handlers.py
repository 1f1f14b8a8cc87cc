"""Handlers of ``openapi/hospital.yaml``: files and WADO-URI of a simulated hospital."""
from __future__ import annotations

from connexion.context import context
from sqlalchemy import bindparam, select
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
    digest = sandbox.db.scalar(_WADO, {"hospital": hospitalCode, "study": studyUID, "series": seriesUID,
                                       "sop": objectUID})
    if digest is None:
        raise NativeError([RULES.finding("HOSP-WADO-UNKNOWN", hospital=hospitalCode, studyUID=studyUID,
                                         seriesUID=seriesUID, objectUID=objectUID)])
    form = form_of(sandbox.config.parties["hospital"].dicom_charset)
    data, as_stored = served_file(sandbox, digest, form, sandbox.blobs.get_cached(digest))
    if as_stored:  # the recorder need not hash what the store's address already says
        context["exchange"].response_digest = (digest, len(data))
    return Response(data, media_type="application/dicom")


#: WADO's one indexed read (built once: no ORM object, no statement made per request; issue 12).
_WADO = (select(PacsInstance.sha256)
         .where(PacsInstance.hospital_code == bindparam("hospital"), PacsInstance.study_uid == bindparam("study"),
                PacsInstance.series_uid == bindparam("series"), PacsInstance.sop_uid == bindparam("sop")))
