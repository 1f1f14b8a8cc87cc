"""The gateway uploads a collected exam to the imaging centre for its hospital (INTERFACES.md
flow B → flow A: ``saveExamRpotImgInfo``, seeds/002 §二), with the hospital's credentials.

The row is the report in 002 §二's names (``sex`` → ``gend``, ``examTime`` → ``examDate``,
``auditTime`` → ``chkDate``), plus what the hospital's configuration knows (``examAdmdvs``,
``hospLv``) and the two references the centre fetches: the report PDF and the study (a zip of
the collected DICOM files) at the gateway's own URLs (``/getway/reportAndFilm/files/…``).
Without a ``hiImgIndx`` in the report the gateway composes one in the seeds' sample layout.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from reference.collection import report
from reference.config import InstitutionConfig
from reference.national.request import envelope, judge_reply
from reference.parties import base_url, endpoint_path
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.transports.http.client import RecordingClient
from reference.validators import hiimgindx

OPERATION = "saveExamRpotImgInfo"
FILES = "/getway/reportAndFilm/files"
#: report field -> 002 §二 field, where the names differ
RENAMES = {"sex": "gend", "auditTime": "chkDate"}
#: report fields 002 §二 does not have (or that become something else)
NOT_IN_ROW = frozenset({"examNo", "accessionNo", "studyUid", "modality", "patientType", "chargeType", "examTime",
                        "modifyTime", "refundTime", "reportPdfUrl", "imageUrls"})


def centre_of(sandbox: Sandbox) -> InstitutionConfig:
    """The imaging centre the gateway uploads to: configured, or the first one."""
    config = sandbox.config
    code = config.parties["gateway"].collection.centre
    centre = config.institution(code) if code else next((i for i in config.institutions if i.kind == "imaging_centre"), None)
    if centre is None or centre.kind != "imaging_centre":
        raise LookupError(f"no imaging centre {code or ''} in the configuration")
    return centre


def file_url(sandbox: Sandbox, digest: str, ext: str) -> str:
    return f"{base_url(sandbox.config, 'gateway')}{FILES}/{digest}.{ext}"


def index_number(item: dict[str, Any], centre: InstitutionConfig) -> str:
    """The report's own ``hiImgIndx``, or one in the sample layout (cert type, ID number, exam
    time, the storing centre's USCC)."""
    if item.get("hiImgIndx"):
        return str(item["hiImgIndx"])
    when = datetime.strptime(str(item["examTime"]), report.TIME_FORMAT)
    part = str(item.get("examPart") or "").split("|")[0]
    return hiimgindx.make_sample(str(item["psnCertType"]), str(item["certno"]), when, centre.uscc,
                                 **({"body_part": part} if len(part) == 9 else {}))


def row_for(sandbox: Sandbox, item: dict[str, Any], hospital: InstitutionConfig, centre: InstitutionConfig, *,
            pdf_sha256: str, zip_sha256: str) -> dict[str, Any]:
    row = {RENAMES.get(k, k): v for k, v in item.items() if k not in NOT_IN_ROW}
    row["hiImgIndx"] = index_number(item, centre)
    row["examAdmdvs"], row["hospLv"] = hospital.admdvs, hospital.hosp_lv
    row.setdefault("fixmedinsName", hospital.name)
    if item.get("examTime"):
        row["examDate"] = str(item["examTime"])[:10]
    row["examRpotPdfI"] = file_url(sandbox, pdf_sha256, "pdf")
    row["imgInfoDcm"] = file_url(sandbox, zip_sha256, "zip")
    return row


def upload(sandbox: Sandbox, row: dict[str, Any], hospital: InstitutionConfig) -> tuple[dict[str, Any], list[Finding]]:
    """Post one row to the centre; the centre's per-row result and what went wrong."""
    url = base_url(sandbox.config, "imaging_centre") + (endpoint_path("imaging_centre", OPERATION) or "")
    body = envelope(sandbox.config, hospital, OPERATION, [row], now=sandbox.now(), node="data")
    client = RecordingClient(sandbox, party="gateway", family="imaging-centre", timeout=300)
    try:
        reply = client.post_json(url, body, operation=OPERATION, institution=hospital.code, judge=judge_reply)
        answer = reply.json()
    except (httpx.HTTPError, ValueError) as exc:
        return {"succFlag": "-1", "message": f"{type(exc).__name__}: {exc}"}, [
            RULES.finding("GW-UPLOAD-FAILED", detail=f"{type(exc).__name__}: {exc}")]
    finally:
        client.close()
    rows = answer.get("data") if isinstance(answer, dict) else None
    result = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {
        "succFlag": "-1", "message": str(answer.get("message") if isinstance(answer, dict) else answer)[:1000]}
    if result.get("succFlag") not in ("1", "0"):
        return result, [RULES.finding("GW-UPLOAD-FAILED", detail=str(result.get("message"))[:1000])]
    return result, []
