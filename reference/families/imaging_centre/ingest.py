"""One ``saveExamRpotImgInfo`` row at the centre: its checks, its files, what gets stored.

Fetching happens outside any transaction (it is network I/O); what is stored for all
rows is written afterwards in one transaction.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from reference.config import InstitutionConfig, ValidationMode
from reference.national.row_rules import check_row
from reference.rules import RULES, Finding
from reference.transports.http.client import RecordingClient
from reference.validation.paths import join

from .fetch import DicomFile, fetch_dicom, fetch_pdf

#: DICOM tag -> (row field, how the row value reads in DICOM).
_SEX = {"1": "M", "2": "F"}


@dataclass
class Ingested:
    """A row that passed: its files, ready to store."""

    row: dict[str, Any]
    pdf: bytes
    files: list[DicomFile]
    findings: list[Finding] = field(default_factory=list)

    @property
    def study_uid(self) -> str:
        return self.files[0].identity.study_uid

    @property
    def accession(self) -> str:
        return self.files[0].identity.accession or self.row.get("rpotNo") or self.study_uid


def _row_vs_dicom(row: dict[str, Any], files: list[DicomFile], path: str, mode: ValidationMode) -> list[Finding]:
    """The images must be of the exam the row describes (first file; all share the study)."""
    ident = files[0].identity
    checks = (
        ("PatientName", ident.patient_name.replace("^", ""), "psnName", str(row.get("psnName", ""))),
        ("StudyDate", ident.study_date, "examDate", str(row.get("examDate", "")).replace("-", "")),
        ("PatientBirthDate", ident.patient_birth_date, "brdy", str(row.get("brdy", "")).replace("-", "")),
        ("PatientSex", ident.patient_sex, "gend", _SEX.get(str(row.get("gend")), ident.patient_sex)),
    )
    return [RULES.finding("CENTRE-DICOM-ROW-MISMATCH", mode=mode, path=join(path, "imgInfoDcm"), tag=tag,
                          dicom=dicom, field=field_name, row=row.get(field_name))
            for tag, dicom, field_name, expected in checks if dicom and expected and dicom != expected]


def check_and_fetch(client: RecordingClient, centre: InstitutionConfig, hospital: str, row: dict[str, Any],
                    findings: list[Finding], *, path: str, mode: ValidationMode, today: Any) -> Ingested | None:
    """Findings are appended to ``findings``; an ``Ingested`` when the row can be stored."""
    as_index_row = {**row, "stogInsUscc": centre.uscc}  # the storing unit is this centre
    findings += check_row(as_index_row, path=path, mode=mode, today=today)
    if any(f.is_error for f in findings):
        return None
    pdf = fetch_pdf(client, str(row["examRpotPdfI"]), hospital)
    dicom = fetch_dicom(client, str(row["imgInfoDcm"]), hospital)
    for fetched, name in ((pdf, "examRpotPdfI"), (dicom, "imgInfoDcm")):
        findings += [_at(f, join(path, name), mode) for f in fetched.findings]
    if dicom.files:
        findings += _row_vs_dicom(row, dicom.files, path, mode)
    if any(f.is_error for f in findings) or pdf.data is None or not dicom.files:
        return None
    return Ingested(row=row, pdf=pdf.data, files=dicom.files)


def _at(finding: Finding, path: str, mode: ValidationMode) -> Finding:
    return RULES.finding(finding.rule, mode=mode, path=path, **finding.params)


def query_reply(hi: str, dicom: bytes) -> bytes:
    """The complete queryImgCahe reply (000 §1.4.2 (6) 返回值), encoded once at ingest."""
    body = {"code": 0, "type": "success", "message": "成功",
            "data": {"hiImgIndx": hi, "fileContent": base64.b64encode(dicom).decode("ascii")}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
