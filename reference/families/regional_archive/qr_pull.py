"""Q/R mode (seeds/004 §3.2.3.2.2): "第三方医院PACS需要提供DICOM网关，支持Q/R拉取图像（提供根据StudyUID拉取影像）".

The platform asks the hospital's DICOM gateway (party ``hospital``'s AE) to C-MOVE a study to
the archive (``CLOUD_ARCHIVE``, a move destination the gateway must know); the archive's own
rules apply to what arrives (a pushed exam's study only, its PatientID and AccessionNumber).
The result is the C-MOVE's counts and what the archive now holds of the study.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from reference.sandbox import Sandbox
from reference.storage.models import DicomStored
from reference.transports.dicom.client import DicomClient, Peer, study_identifier
from reference.transports.dicom.status import text

from .archive import PARTY, STORE


def gateway_peer(sandbox: Sandbox) -> Peer:
    cfg = sandbox.config.parties["hospital"]
    return Peer(cfg.ae_title or "HOSP_PACS", cfg.host or sandbox.config.listen.host, cfg.port or 11112)


def pull(sandbox: Sandbox, study_uid: str) -> dict[str, Any]:
    cfg = sandbox.config.parties[PARTY]
    archive_ae = cfg.ae_title or "CLOUD_ARCHIVE"
    client = DicomClient(sandbox, calling=cfg.calling_ae_title or archive_ae, party=PARTY)
    result = client.move(gateway_peer(sandbox), study_identifier(study_uid), archive_ae)
    with sandbox.db.session() as session:
        held = session.scalar(select(func.count()).select_from(DicomStored).where(
            DicomStored.store == STORE, DicomStored.study_uid == study_uid)) or 0
    return {"studyUID": study_uid, "status": text(result.status), "ok": result.ok, "counts": result.counts,
            "archived": held, "findings": [f.to_dict() for f in result.findings]}
