"""What the gateway does for each hospital it serves (seeds/001 §4.1–4.2; INTERFACES.md flow B):
pull the new reports, retrieve each study (C-MOVE into its storage SCP, or the reports' WADO-URI
links), check the report against the images, keep both, and upload the exam to the imaging
centre (flow A).  Each exam's state is a ``gateway_exams`` row; every step is an exchange.

Statuses: ``uploaded`` (the centre took it), ``upload_failed``, ``incomplete`` (images missing),
``mismatch`` (the images are not the report's), ``invalid`` (the report breaks the contract),
``refunded`` (type 2: the exam item was refunded; nothing collected), ``deleted`` (001 §4.5).
A report already uploaded (or deleted) is not collected again.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from sqlalchemy import delete, select

from reference.config import InstitutionConfig
from reference.dicomio import NotDicom, identify
from reference.dicomtext.names import same_person
from reference.errors import NativeError
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import DicomStored, GatewayExam
from reference.transports.dicom.store import keep
from reference.transports.http.client import RecordingClient

from . import reports as report_source
from .collector import Collected, collect_by_move, collect_by_wado
from .store import STORE
from .upload import centre_of, row_for, upload

Images = Literal["move", "wado"]
DONE = frozenset({"uploaded", "deleted"})
_SEX = {"1": "M", "2": "F"}


@dataclass
class ExamOutcome:
    examNo: str
    accessionNo: str
    studyUid: str | None
    status: str
    instances: int = 0
    hiImgIndx: str | None = None
    upload: dict[str, Any] | None = None
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"examNo": self.examNo, "accessionNo": self.accessionNo, "studyUid": self.studyUid,
                "status": self.status, "instances": self.instances, "hiImgIndx": self.hiImgIndx,
                "upload": self.upload, "findings": [f.to_dict() for f in self.findings]}


def hospital_of(sandbox: Sandbox, code: str) -> InstitutionConfig:
    inst = sandbox.config.institution(code)
    if inst is None or inst.kind != "hospital":
        known = "、".join(i.code for i in sandbox.config.institutions if i.kind == "hospital")
        raise NativeError([RULES.finding("GW-UNKNOWN-HOSPITAL", path="hospital", hospital=code, known=known)])
    return inst


def collect(sandbox: Sandbox, query: report_source.ReportQuery, *, source: report_source.Source | None = None,
            images: Images | None = None, upload_exams: bool = True) -> dict[str, Any]:
    """Pull and process one query's reports; a summary of the pull and of every exam."""
    hospital = hospital_of(sandbox, query.hospital)
    cfg = report_source.source_config(sandbox, query.hospital)
    pulled = report_source.pull(sandbox, query, source)
    outcomes = [process(sandbox, hospital, item, i, pulled.source, images or cfg.images, upload_exams)
                for i, item in enumerate(pulled.reports)]
    return {"hospital": hospital.code, "source": pulled.source, "images": images or cfg.images,
            "reports": len(pulled.reports), "findings": [f.to_dict() for f in pulled.findings],
            "exams": [o.summary() for o in outcomes]}


def _existing(sandbox: Sandbox, hospital: str, exam_no: str) -> GatewayExam | None:
    with sandbox.db.session() as session:
        found = session.scalar(select(GatewayExam).where(GatewayExam.hospital_code == hospital,
                                                         GatewayExam.exam_no == exam_no))
        if found is not None:
            session.expunge(found)
        return found


def process(sandbox: Sandbox, hospital: InstitutionConfig, raw: Any, index: int, source: str, images: Images,
            upload_exams: bool) -> ExamOutcome:
    item, findings = report_source.check(raw, index, sandbox.config.mode_for(hospital.code))
    out = ExamOutcome(str(item.get("examNo", "")), str(item.get("accessionNo", "")), item.get("studyUid"), "invalid",
                      findings=findings)
    if any(f.is_error for f in findings):
        return out
    known = _existing(sandbox, hospital.code, out.examNo)
    if known is not None and known.status in DONE:
        out.status, out.instances, out.hiImgIndx, out.upload = known.status, known.instances, known.hi_img_indx, known.upload
        return out
    if item.get("refundTime"):
        out.status = "refunded"
        _save(sandbox, hospital.code, item, source, out)
        return out
    if not out.studyUid:
        out.status = "incomplete"
        out.findings.append(RULES.finding("GW-REPORT-NO-STUDY", examNo=out.examNo))
        _save(sandbox, hospital.code, item, source, out)
        return out
    collected = _retrieve(sandbox, item, images, hospital.code)
    out.instances, out.findings = len(collected.files), [*out.findings, *collected.findings]
    out.findings += _against_images(item, collected)
    pdf, problems = _fetch_pdf(sandbox, item, hospital.code)
    out.findings += problems
    out.status = ("mismatch" if any(f.rule == "GW-REPORT-IMAGE-MISMATCH" for f in out.findings)
                  else "incomplete" if any(f.is_error for f in out.findings) else "collected")
    zip_sha = _zip(sandbox, collected) if collected.files else None
    _save(sandbox, hospital.code, item, source, out, pdf=pdf, zip_sha=zip_sha)  # the files it serves the centre
    if out.status == "collected" and upload_exams and pdf and zip_sha:
        centre = centre_of(sandbox)
        row = row_for(sandbox, item, hospital, centre, pdf_sha256=pdf, zip_sha256=zip_sha)
        out.hiImgIndx = row["hiImgIndx"]
        out.upload, problems = upload(sandbox, row, hospital)
        out.findings += problems
        out.status = "upload_failed" if problems else "uploaded"
        _save(sandbox, hospital.code, item, source, out, pdf=pdf, zip_sha=zip_sha, centre=centre.code)
    return out


def _retrieve(sandbox: Sandbox, item: dict[str, Any], images: Images, hospital: str) -> Collected:
    """001 §4.2: the study by C-MOVE (方式一) or by its WADO-URI links (方式二), kept in the gateway's store."""
    study = str(item["studyUid"])
    if images == "move":
        return collect_by_move(sandbox, study)
    links = [str(link) for link in item.get("imageUrls") or []]
    collected = collect_by_wado(sandbox, study, links)
    for data in collected.files.values():
        try:
            keep(sandbox, STORE, "WADO", data, identify(data))
        except NotDicom:
            collected.findings.append(RULES.finding("DICOM-STORE-UNREADABLE", detail="a WADO reply is not DICOM"))
    return collected


def _against_images(item: dict[str, Any], collected: Collected) -> list[Finding]:
    """The report and the images must be of one exam (the first file; the study is one)."""
    if not collected.files:
        return []
    ident = identify(next(iter(collected.files.values())))
    checks = (("StudyInstanceUID", ident.study_uid, "studyUid", item.get("studyUid")),
              ("AccessionNumber", ident.accession, "accessionNo", item.get("accessionNo")),
              ("PatientID", ident.patient_id, "patnId", item.get("patnId")),
              ("PatientName", ident.patient_name, "psnName", item.get("psnName")),
              ("PatientSex", ident.patient_sex, "sex", _SEX.get(str(item.get("sex")), ident.patient_sex)),
              ("StudyDate", ident.study_date, "examTime", str(item.get("examTime", ""))[:10].replace("-", "")))
    return [RULES.finding("GW-REPORT-IMAGE-MISMATCH", path=field_name, tag=tag, dicom=dicom, field=field_name,
                          report=item.get(field_name))
            for tag, dicom, field_name, expected in checks if dicom and expected and not _agree(tag, dicom, str(expected))]


def _agree(tag: str, dicom: str, expected: str) -> bool:
    """A PN value agrees with the report's name by its ideographic group or its pinyin
    (``Zhang^San=张^三`` names 张三); every other attribute must be equal."""
    return same_person(expected, dicom) if tag == "PatientName" else dicom == expected


def _fetch_pdf(sandbox: Sandbox, item: dict[str, Any], hospital: str) -> tuple[str | None, list[Finding]]:
    url = item.get("reportPdfUrl")
    if not url:
        return None, [RULES.finding("GW-REPORT-FETCH", hospital=hospital, how="reportPdfUrl", detail="the report has no PDF")]
    client = RecordingClient(sandbox, party="gateway", family="hospital", timeout=60)
    try:
        reply = client.get(str(url), operation="fetch reportPdfUrl", institution=hospital)
    except httpx.HTTPError as exc:
        return None, [RULES.finding("GW-REPORT-FETCH", hospital=hospital, how=str(url), detail=f"{type(exc).__name__}: {exc}")]
    finally:
        client.close()
    if reply.status_code != 200 or not reply.content.startswith(b"%PDF-"):
        return None, [RULES.finding("GW-REPORT-FETCH", hospital=hospital, how=str(url),
                                    detail=f"HTTP {reply.status_code}, not a PDF")]
    with sandbox.db.session() as session:
        return sandbox.store_blob(session, reply.content, "application/pdf"), []


def _zip(sandbox: Sandbox, collected: Collected) -> str:
    """The study as one zip of its Part-10 files (deterministic), in the blob store."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for sop in sorted(collected.files):
            archive.writestr(zipfile.ZipInfo(f"{sop}.dcm", date_time=(2000, 1, 1, 0, 0, 0)), collected.files[sop])
    with sandbox.db.session() as session:
        return sandbox.store_blob(session, buffer.getvalue(), "application/zip")


def _save(sandbox: Sandbox, hospital: str, item: dict[str, Any], source: str, out: ExamOutcome, *,
          pdf: str | None = None, zip_sha: str | None = None, centre: str | None = None) -> None:
    now = sandbox.now()
    with sandbox.db.session() as session:
        row = session.scalar(select(GatewayExam).where(GatewayExam.hospital_code == hospital,
                                                       GatewayExam.exam_no == out.examNo))
        if row is None:
            row = GatewayExam(hospital_code=hospital, exam_no=out.examNo, created_at=now)
            session.add(row)
        row.accession, row.study_uid, row.hi_img_indx = out.accessionNo, out.studyUid, out.hiImgIndx
        row.modality, row.patient_name, row.source = item.get("modality"), item.get("psnName"), source
        row.report, row.status, row.findings = dict(item), out.status, [f.to_dict() for f in out.findings]
        row.instances, row.pdf_sha256, row.zip_sha256 = out.instances, pdf, zip_sha
        row.centre_code, row.upload, row.updated_at, row.deleted_at = centre, out.upload, now, None


def referenced_file(sandbox: Sandbox, digest: str, ext: str) -> bytes | None:
    """A file a live exam's upload references (its report PDF, its study zip), or None: the
    gateway serves what it uploaded, not whatever else its blob store holds."""
    column = GatewayExam.pdf_sha256 if ext == "pdf" else GatewayExam.zip_sha256
    with sandbox.db.session() as session:
        found = session.scalar(select(GatewayExam.id).where(column == digest, GatewayExam.deleted_at.is_(None)).limit(1))
    return sandbox.blobs.get(digest) if found is not None and sandbox.blobs.exists(digest) else None


def drop_study(sandbox: Sandbox, study_uid: str) -> int:
    """Delete a study from the gateway's store (001 §4.5); how many instances it held."""
    with sandbox.db.session() as session:
        done = session.execute(delete(DicomStored).where(DicomStored.store == STORE, DicomStored.study_uid == study_uid))
        return int(getattr(done, "rowcount", 0) or 0)
