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

from reference.config.model import LimitsConfig
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


def _limits(client: RecordingClient) -> LimitsConfig:
    return client.sandbox.config.limits if client.sandbox is not None else LimitsConfig()


def _refusal(url: str, limits: LimitsConfig) -> str | None:
    """Why the centre will not fetch ``url`` (a reference is a file server's, not anything at all)."""
    parts = urlsplit(url)
    if parts.path.startswith("/_sandbox/") or "/_sandbox/" in parts.path:
        return "the sandbox's own control API / 沙箱自身的控制接口"
    try:
        port = parts.port
    except ValueError:
        return "no valid port / 端口无效"
    if port in limits.refused_ports:
        return f"port {port} is not a web server's / 端口 {port} 不是 Web 服务"
    return None


def _charset_judge(status: int, body: bytes) -> list[Finding]:
    """A fetched Part-10 file's (or WADO-URI answer's) charset forensics, on the fetch's exchange."""
    return received_charset_findings(body) if status == 200 else []


def _download(client: RecordingClient, url: str, field_name: str, institution: str) -> tuple[bytes | None, list[Finding]]:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        return None, [RULES.finding("CENTRE-REFERENCE-SCHEME", field=field_name, url=url)]
    limits = _limits(client)
    why = _refusal(url, limits)
    if why:
        return None, [RULES.finding("CENTRE-FETCH-REFUSED", field=field_name, url=url, why=why)]
    try:
        response, data, stopped = client.download(url, operation=f"fetch {field_name}", institution=institution,
                                                  max_bytes=limits.fetch_bytes, seconds=limits.fetch_seconds,
                                                  judge=_charset_judge if field_name == "imgInfoDcm" else None)
    except httpx.HTTPError as exc:
        return None, [RULES.finding("CENTRE-FETCH-FAILED", field=field_name, url=url, detail=f"{type(exc).__name__}: {exc}")]
    if stopped == "too-large":
        return None, [RULES.finding("CENTRE-FETCH-TOO-LARGE", field=field_name, url=url, limit=limits.fetch_bytes)]
    if stopped == "slow":
        return None, [RULES.finding("CENTRE-FETCH-SLOW", field=field_name, url=url, seconds=limits.fetch_seconds)]
    if response is None or response.status_code != 200:
        status = response.status_code if response is not None else "—"
        return None, [RULES.finding("CENTRE-FETCH-FAILED", field=field_name, url=url, detail=f"HTTP {status}")]
    return data, []


def fetch_pdf(client: RecordingClient, url: str, institution: str) -> Fetched:
    data, findings = _download(client, url, "examRpotPdfI", institution)
    if data is not None and not data.startswith(b"%PDF-"):
        findings.append(RULES.finding("CENTRE-NOT-PDF", url=url, head=data[:8]))
        data = None
    return Fetched(data=data, findings=findings)


class ZipTooLarge(ValueError):
    """A zip that would expand beyond the limits (a zip bomb, or simply too much)."""


def _members(data: bytes, limits: LimitsConfig) -> list[tuple[str, bytes]]:
    """The files of a zip (or the one file), judged by their declared sizes before any is expanded."""
    if data[:4] != b"PK\x03\x04":
        return [("(file)", data)]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        expanded = sum(i.file_size for i in infos)
        if expanded > limits.fetch_bytes or expanded > limits.zip_ratio * max(len(data), 1):
            raise ZipTooLarge(f"{len(infos)} files, {expanded} bytes from {len(data)} bytes")
        return [(i.filename, archive.read(i)) for i in infos]


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
        members = _members(data, _limits(client))
    except ZipTooLarge as exc:
        return Fetched(findings=[RULES.finding("CENTRE-ZIP-BOMB", url=url, detail=str(exc))])
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
