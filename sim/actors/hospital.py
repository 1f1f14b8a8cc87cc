"""The simulated hospital (INTERFACES.md flow A): it generates exams, keeps their report
PDFs and DICOM in its own store (its PACS), serves them from its own URLs, and uploads
them to an imaging centre with ``saveExamRpotImgInfo``.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference.config import InstitutionConfig
from reference.families.hospital.files import publish
from reference.national.request import envelope
from reference.parties import base_url, endpoint_path
from reference.sandbox import Sandbox
from reference.storage.models import PacsInstance
from reference.transports.http.client import RecordingClient
from sim.demo import as_generator_institution, centre_for
from sim.fakedata import Exam
from sim.fakedata.exams import make_exam
from sim.fakedata.img_info_rows import img_info_row
from sim.synth import make_report_pdf, make_study
from sim.synth.dicom import Instance

from .refusals import naming_unknown_institutions

DicomForm = Literal["zip", "wado", "file"]
OPERATION = "saveExamRpotImgInfo"


@dataclass
class PreparedExam:
    exam: Exam
    row: dict[str, Any]
    pdf_sha256: str
    instances: list[dict[str, str]]  # sopUid, seriesUid, sha256 (sorted by sopUid)
    result: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"hiImgIndx": self.exam.hi_img_indx, "accession": self.exam.accession_no, "studyUid": self.exam.study_uid,
                "pdfSha256": self.pdf_sha256, "instances": self.instances, "result": self.result}


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # deterministic archive
            archive.writestr(info, data)
    return buffer.getvalue()


def prepare_exam(sandbox: Sandbox, hospital: InstitutionConfig, exam: Exam, *, seed: int, form: DicomForm,
                 max_per_series: int | None = None) -> PreparedExam:
    """Generate the exam's study and report, keep them in the hospital's store, build its row."""
    instances = make_study(exam, seed=seed, charset=hospital.dicom_charset, max_per_series=max_per_series)
    pdf = make_report_pdf(exam)
    base = f"{base_url(sandbox.config, 'hospital')}/hospital/{hospital.code}"
    with sandbox.db.session() as session:
        pdf_sha = publish(sandbox, session, hospital.code, pdf, "pdf")
        stored = [{"sopUid": inst.sop_instance_uid, "seriesUid": inst.series_uid, "sha256": sha}
                  for inst, sha in zip(instances, _keep(sandbox, session, hospital.code, exam, instances), strict=True)]
        first = instances[0]
        if form == "wado":
            dicom_url = (f"{base}/wado?requestType=WADO&studyUID={first.study_uid}&seriesUID={first.series_uid}"
                         f"&objectUID={first.sop_instance_uid}&contentType=application/dicom")
        elif form == "file":
            dicom_url = f"{base}/files/{stored[0]['sha256']}.dcm"
        else:
            archive = _zip([(f"{i.series_number:03d}/{i.instance_number:04d}.dcm", i.data) for i in instances])
            dicom_url = f"{base}/files/{publish(sandbox, session, hospital.code, archive, 'zip')}.zip"
    if form != "zip":
        stored = stored[:1]  # one file, or one WADO instance, is what the row references
    row = img_info_row(exam, pdf_url=f"{base}/files/{pdf_sha}.pdf", dicom_url=dicom_url)
    return PreparedExam(exam=exam, row=row, pdf_sha256=pdf_sha, instances=sorted(stored, key=lambda i: i["sopUid"]))


def _keep(sandbox: Sandbox, session: Session, hospital: str, exam: Exam, instances: list[Instance]) -> list[str]:
    """Store the study in the hospital's PACS (``pacs_instances``, served by its SCP and WADO-URI);
    a SOP instance already there is kept.  The sha256 of each file."""
    digests = []
    for inst in instances:
        sha = publish(sandbox, session, hospital, inst.data, "dcm")
        if session.scalar(select(PacsInstance).where(PacsInstance.sop_uid == inst.sop_instance_uid)) is None:
            session.add(PacsInstance(hospital_code=hospital, patient_id=exam.patient.patient_id,
                                     accession=exam.accession_no, study_uid=inst.study_uid, series_uid=inst.series_uid,
                                     sop_uid=inst.sop_instance_uid, sop_class=inst.sop_class_uid,
                                     series_number=inst.series_number, instance_number=inst.instance_number,
                                     sha256=sha, created_at=sandbox.now()))
        digests.append(sha)
    return digests


def keep_in_pacs(sandbox: Sandbox, exam: Exam, instances: list[Instance], hospital: str) -> list[str]:
    """Put a generated study in ``hospital``'s PACS (tests, benchmarks, the gateway's flow)."""
    with sandbox.db.session() as session:
        return _keep(sandbox, session, hospital, exam, instances)


def upload(sandbox: Sandbox, hospital: InstitutionConfig, prepared: list[PreparedExam]) -> list[PreparedExam]:
    """Post the rows to the imaging centre (simulated or external), one request."""
    url = base_url(sandbox.config, "imaging_centre") + (endpoint_path("imaging_centre", OPERATION) or "")
    body = envelope(sandbox.config, hospital, OPERATION, [p.row for p in prepared], now=sandbox.now(), node="data")
    client = RecordingClient(sandbox, party="hospital", family="imaging-centre", timeout=120)
    try:
        reply = client.post_json(url, body, operation=OPERATION, institution=hospital.code)
        data = reply.json().get("data") or []
        message = reply.json().get("message")
    except (httpx.HTTPError, ValueError) as exc:
        data, message = [], f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    for i, item in enumerate(prepared):
        item.result = data[i] if i < len(data) else {"succFlag": "-1", "message": message}
    return prepared


def upload_exams(sandbox: Sandbox, *, hospital: str, count: int, centre: str | None = None, seed: int | None = None,
                 form: DicomForm = "zip", on: date | None = None, batch: int = 1, start: int = 0,
                 progress: Callable[[int, int], None] | None = None,
                 max_per_series: int | None = None) -> list[PreparedExam]:
    """Generate exams ``start`` … ``start + count - 1`` of ``seed`` at ``hospital`` and upload
    them to the centre, ``batch`` per request (exam ``i`` is the same whatever the batching)."""
    config = sandbox.config
    hosp = config.institution(hospital)
    if hosp is None or hosp.kind != "hospital":
        raise KeyError(f"{hospital!r} is not a configured hospital")
    centre_cfg = centre_for(config, centre)
    seed = config.seed if seed is None else seed
    hospitals, store = [as_generator_institution(config, hosp)], as_generator_institution(config, centre_cfg)
    day = on or sandbox.now().date()
    exams = [make_exam(seed, i, hospitals=hospitals, centre=store, on=day) for i in range(start, start + count)]
    done: list[PreparedExam] = []
    for start in range(0, count, batch):
        chunk = [prepare_exam(sandbox, hosp, exam, seed=seed, form=form, max_per_series=max_per_series)
                 for exam in exams[start:start + batch]]
        done += upload(sandbox, hosp, chunk)
        if progress:
            progress(len(done), count)
    return done


@naming_unknown_institutions
def upload_action(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """The actor behind the control operation ``hospitalUpload`` (``openapi/sandbox.yaml``)."""
    done = upload_exams(sandbox, hospital=body["hospital"], count=body["count"], centre=body.get("centre"),
                        seed=body.get("seed"), form=body.get("dicomForm", "zip"), batch=body.get("batch", 1),
                        start=body.get("start", 0))
    return {"exams": [p.summary() for p in done]}
