"""The gateway's study collector (seeds/001 §4.2 影像文件获取): a whole study from the hospital
PACS, by C-MOVE at study level into the gateway's own storage SCP (方式一), or by HTTP GET
of the WADO-URI links the hospital serves (方式二).  Either way the result is every
instance of the study, as the PACS holds it, with findings when it is incomplete."""
from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from pydicom.dataset import Dataset
from sqlalchemy import select

from reference.dicomio import received_charset_findings
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import DicomStored
from reference.transports.dicom.client import DicomClient, Peer, study_identifier
from reference.transports.http.client import RecordingClient

from .store import STORE

WADO = ("{base}/hospital/{hospital}/wado?requestType=WADO&studyUID={study}&seriesUID={series}&objectUID={sop}"
        "&contentType=application/dicom")


@dataclass
class Collected:
    study_uid: str
    files: dict[str, bytes] = field(default_factory=dict)  # SOP Instance UID -> Part-10 file
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.is_error for f in self.findings)


def pacs_peer(sandbox: Sandbox) -> Peer:
    cfg = sandbox.config.parties["hospital"]
    return Peer(cfg.ae_title or "HOSP_PACS", cfg.host or sandbox.config.listen.host, cfg.port or 11112)


def portal(sandbox: Sandbox) -> DicomClient:
    cfg = sandbox.config.parties["gateway"]
    return DicomClient(sandbox, calling=cfg.calling_ae_title or cfg.ae_title or "PORTAL", party="gateway")


def collect_by_move(sandbox: Sandbox, study_uid: str, *, peer: Peer | None = None) -> Collected:
    """方式一: C-MOVE the study to the gateway's storage SCP, then read what it received."""
    destination = sandbox.config.parties["gateway"].ae_title or "GATEWAY_STORE"
    result = portal(sandbox).move(peer or pacs_peer(sandbox), study_identifier(study_uid), destination)
    out = Collected(study_uid, findings=list(result.findings))
    with sandbox.db.reading() as session:
        rows = session.scalars(select(DicomStored).where(DicomStored.store == STORE,
                                                         DicomStored.study_uid == study_uid)).all()
        out.files = {r.sop_uid: sandbox.blobs.get(r.sha256) for r in rows}
    expected = sum(result.counts.get(k, 0) for k in ("NumberOfCompletedSuboperations", "NumberOfFailedSuboperations",
                                                     "NumberOfWarningSuboperations"))
    if result.status is not None and (expected == 0 or len(out.files) < expected or result.status != 0):
        out.findings.append(RULES.finding("COLLECT-INCOMPLETE", study=study_uid, expected=expected,
                                          received=result.counts.get("NumberOfCompletedSuboperations", 0)))
    return out


def wado_links(sandbox: Sandbox, study_uid: str, *, base: str, hospital: str, peer: Peer | None = None) -> list[str]:
    """The study's WADO-URI links, from a C-FIND at IMAGE level (the report of 4.1 may carry them too)."""
    identifier = study_identifier(study_uid, "IMAGE", SeriesInstanceUID="", SOPInstanceUID="")
    found = portal(sandbox).find(peer or pacs_peer(sandbox), identifier)
    return [WADO.format(base=base.rstrip("/"), hospital=hospital, study=study_uid, series=ds.SeriesInstanceUID,
                        sop=ds.SOPInstanceUID) for ds in found.matches]


def collect_by_wado(sandbox: Sandbox, study_uid: str, links: list[str], *, http: httpx.Client | None = None) -> Collected:
    """方式二: HTTP GET every WADO-URI link (each an outbound exchange)."""
    client = RecordingClient(sandbox, party="gateway", family="hospital")
    if http is not None:
        client.http = http
    out = Collected(study_uid)
    try:
        for link in links:
            try:
                reply = client.get(link, operation="wado", institution="gateway", judge=_charset_judge)
            except httpx.HTTPError as exc:
                out.findings.append(RULES.finding("DICOM-PEER-FAILED", peer=link, detail=str(exc)))
                continue
            if reply.status_code == 200:
                sop = link.split("objectUID=")[1].split("&")[0]
                out.files[sop] = reply.content
    finally:
        if http is None:
            client.close()
    if len(out.files) < len(links) or not links:
        out.findings.append(RULES.finding("COLLECT-INCOMPLETE", study=study_uid, expected=len(links),
                                          received=len(out.files)))
    return out


def _charset_judge(reply: httpx.Response) -> list[Finding]:
    """What a WADO-URI answer's text really is (charset forensics), on the fetch's exchange."""
    return received_charset_findings(reply.content) if reply.status_code == 200 else []


def study_query(study_uid: str) -> Dataset:
    return study_identifier(study_uid)
