"""Fetching what a hospital references in ``saveExamRpotImgInfo`` (INTERFACES.md §2).

``examRpotPdfI`` and ``imgInfoDcm`` are references: an http(s) URL (a PDF; for DICOM
one Part-10 file, a zip of them, or a WADO-URI), or ``dicom://AET@host:port?StudyInstanceUID=…``,
retrieved by C-GET (``reference.transports.dicom.client``).  Each fetch is an outbound exchange.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx

from reference.dicomio import DicomIdentity, NotDicom, identify, received_charset_findings
from reference.rules import RULES, Finding
from reference.transports.http.client import RecordingClient

WADO_PARAMS = (("studyUID", "study_uid"), ("seriesUID", "series_uid"), ("objectUID", "sop_uid"))


@dataclass
class DicomFile:
    name: str
    data: bytes
    identity: DicomIdentity


@dataclass
class Fetched:
    data: bytes | None = None
    files: list[DicomFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _charset_judge(response: httpx.Response) -> list[Finding]:
    """A fetched Part-10 file's (or WADO-URI answer's) charset forensics, on the fetch's exchange."""
    return received_charset_findings(response.content) if response.status_code == 200 else []


def _download(client: RecordingClient, url: str, field_name: str, institution: str) -> tuple[bytes | None, list[Finding]]:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        return None, [RULES.finding("CENTRE-REFERENCE-SCHEME", field=field_name, url=url)]
    try:
        judge = _charset_judge if field_name == "imgInfoDcm" else None
        response = client.get(url, operation=f"fetch {field_name}", institution=institution, judge=judge)
    except httpx.HTTPError as exc:
        return None, [RULES.finding("CENTRE-FETCH-FAILED", field=field_name, url=url, detail=f"{type(exc).__name__}: {exc}")]
    if response.status_code != 200:
        return None, [RULES.finding("CENTRE-FETCH-FAILED", field=field_name, url=url, detail=f"HTTP {response.status_code}")]
    return response.content, []


def fetch_pdf(client: RecordingClient, url: str, institution: str) -> Fetched:
    data, findings = _download(client, url, "examRpotPdfI", institution)
    if data is not None and not data.startswith(b"%PDF-"):
        findings.append(RULES.finding("CENTRE-NOT-PDF", url=url, head=data[:8]))
        data = None
    return Fetched(data=data, findings=findings)


def _members(data: bytes) -> list[tuple[str, bytes]]:
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [(i.filename, archive.read(i)) for i in archive.infolist() if not i.is_dir()]
    return [("(file)", data)]


def _wado_findings(url: str, files: list[DicomFile]) -> list[Finding]:
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    if query.get("requestType") != "WADO" or len(files) != 1:
        return []
    identity = files[0].identity
    return [RULES.finding("CENTRE-UID-MISMATCH", param=param, expected=query[param], actual=getattr(identity, attr))
            for param, attr in WADO_PARAMS if param in query and query[param] != getattr(identity, attr)]


def fetch_dicom_network(client: RecordingClient, url: str) -> Fetched:
    """``dicom://AET@host:port?StudyInstanceUID=…``: the study by C-GET at study level (an
    outbound DICOM exchange), calling as the centre's configured AE."""
    from reference.transports.dicom.client import DicomClient, Peer, study_identifier

    try:
        peer, keys = Peer.parse(url)
        study = keys["StudyInstanceUID"]
    except (ValueError, KeyError) as exc:
        return Fetched(findings=[RULES.finding("CENTRE-DICOM-NETWORK", url=url, detail=f"{type(exc).__name__}: {exc}")])
    cfg = client.sandbox.config.parties["imaging_centre"] if client.sandbox else None
    calling = (cfg.calling_ae_title or cfg.ae_title) if cfg else None
    result = DicomClient(client.sandbox, calling=calling or "IMG_CENTRE", party="imaging_centre").get(
        peer, study_identifier(study))
    if not result.ok or not result.files:
        detail = "; ".join(f.en for f in result.findings) or (
            f"status 0x{result.status:04X}, {result.counts}" if result.status is not None else "no response")
        return Fetched(findings=[RULES.finding("CENTRE-DICOM-NETWORK", url=url, detail=detail)])
    files: list[DicomFile] = []
    findings: list[Finding] = []
    for data in result.files:
        try:
            ident = identify(data)
            files.append(DicomFile(ident.sop_uid, data, ident))
        except NotDicom:
            findings.append(RULES.finding("CENTRE-NOT-DICOM", url=url, name="C-STORE"))
    return Fetched(files=files, findings=findings)


def fetch_dicom(client: RecordingClient, url: str, institution: str) -> Fetched:
    if urlsplit(url).scheme.lower() == "dicom":
        return fetch_dicom_network(client, url)
    data, findings = _download(client, url, "imgInfoDcm", institution)
    if data is None:
        return Fetched(findings=findings)
    try:
        members = _members(data)
    except zipfile.BadZipFile as exc:
        return Fetched(findings=[RULES.finding("CENTRE-NOT-DICOM", url=url, name=f"zip: {exc}")])
    files: list[DicomFile] = []
    for name, content in members:
        try:
            files.append(DicomFile(name, content, identify(content)))
        except NotDicom:
            findings.append(RULES.finding("CENTRE-NOT-DICOM", url=url, name=name))
    if not files and not findings:
        findings.append(RULES.finding("CENTRE-NO-IMAGES", url=url))
    studies = sorted({f.identity.study_uid for f in files})
    if len(studies) > 1:
        findings.append(RULES.finding("CENTRE-STUDY-MIXED", uids="、".join(studies)))
    findings += _wado_findings(url, files)
    return Fetched(files=files, findings=findings)
