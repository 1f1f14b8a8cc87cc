"""One ``saveExamRpotImgInfo`` row at the centre: its checks, its files, what gets stored.

Fetching happens outside any transaction (it is network I/O); what is stored for all
rows is written afterwards in one transaction.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Final

from reference.config import InstitutionConfig, ValidationMode
from reference.dicom_row import RowCheck, disagreements, study_inconsistencies
from reference.dicomtext import findings as charset_findings
from reference.dicomtext import merge_findings
from reference.national.row_rules import check_row
from reference.rules import RULES, Finding
from reference.transports.http.client import RecordingClient
from reference.validation.paths import join

from .fetch import DicomFile, fetch_dicom, fetch_pdf

#: The row's fields the images must agree with (seeds/002 §二 输入, 序号 = the table's row).
ROW_CHECKS: Final = (
    RowCheck("PatientName", "psnName", "002 §二 序号2 psnName 人员姓名 ↔ (0010,0010) PatientName", "name"),
    RowCheck("PatientID", "patnId", "002 §二 序号37 patnId 病人ID ↔ (0010,0020) PatientID", "text"),
    RowCheck("PatientSex", "gend", "002 §二 序号5 gend 性别（字典 gend）↔ (0010,0040) PatientSex", "sex"),
    RowCheck("PatientBirthDate", "brdy", "002 §二 序号26 brdy 出生日期 ↔ (0010,0030) PatientBirthDate", "date"),
    RowCheck("StudyDate", "examDate", "002 §二 序号12 examDate 检查日期 ↔ (0008,0020) StudyDate", "date"),
    RowCheck("Modality", "imgExamType", "002 §二 序号9 imgExamType 影像检查类型（000 §2.3）↔ (0008,0060) Modality",
             "img_exam_type"),
    RowCheck("InstitutionName", "fixmedinsName", "002 §二 序号7 fixmedinsName 定点医药机构名称 ↔ (0008,0080) InstitutionName",
             "name"),
)


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
    """The images must be of the exam the row describes, agree among themselves, and say what
    their text is (charset forensics, one finding per distinct text across the files)."""
    identities = [f.identity for f in files]
    where = join(path, "imgInfoDcm")
    findings = [RULES.finding("CENTRE-DICOM-ROW-MISMATCH", mode=mode, path=where, tag=d.check.tag, dicom=d.dicom,
                              field=d.check.field, row=d.row, where=d.check.where)
                for d in disagreements(identities, row, ROW_CHECKS)]
    findings += [RULES.finding("DICOM-STUDY-INCONSISTENT", mode=mode, path=where, tag=tag, values=values)
                 for tag, values in study_inconsistencies(identities)]
    findings += merge_findings([charset_findings(i.charset, path=where, mode=mode) for i in identities if i.charset])
    return findings


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
