"""The files a simulated hospital serves at ``/hospital/{code}/files/{sha256}.{ext}``: only those
it produced itself, each under the type it was produced as (a DICOM file is not a zip, another
hospital's report is not this one's)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from reference.sandbox import Sandbox
from reference.storage.db import insert_ignore
from reference.storage.models import HospitalFile

MEDIA_TYPES = {"pdf": "application/pdf", "dcm": "application/dicom", "zip": "application/zip"}


def publish(sandbox: Sandbox, session: Session, hospital: str, data: bytes, ext: str) -> str:
    """Store ``data`` and let ``hospital`` serve it as ``{sha256}.{ext}``; its sha256."""
    digest = sandbox.store_blob(session, data, MEDIA_TYPES[ext])
    insert_ignore(session, HospitalFile, {"hospital_code": hospital, "sha256": digest, "ext": ext,
                                          "created_at": sandbox.now()})
    return digest


def served(session: Session, hospital: str, digest: str, ext: str) -> bool:
    return session.get(HospitalFile, (hospital, digest, ext)) is not None
