"""The gateway's clients for finding a patient's exams elsewhere (seeds/001 §4.4.2 b: "医保影像云接口会去
省医保影像云平台及国家医保影像云平台查询外院检查"): the national index (the sandbox's index module,
``provincePatientIndexes``, sandbox-defined) and the provincial cloud (seeds/003 ``getToken`` +
``queryFormerlyExam``).  Every call recorded (party ``gateway``); the cloud's token is kept per
process until it is about to expire (003 allows 30 tokens a day).
"""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from reference.config import InstitutionConfig
from reference.crypto import sm2
from reference.parties import base_url, endpoint_path
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.transports.http.client import RecordingClient

INDEX_QUERY = "/_sandbox/state/province/patient-indexes"
PUBLIC_KEY = "/_sandbox/province-cloud/sm2-public-key"
TOKEN_SECONDS = 7000  # 003: valid 7200 s; renewed a little early
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


@dataclass
class Found:
    exams: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    patient_name: str | None = None


def _unreachable(source: str, source_en: str, detail: str) -> Finding:
    return RULES.finding("GW-REMINDER-SOURCE", source=source, source_en=source_en, detail=detail[:300])


def from_index(sandbox: Sandbox, certno: str) -> Found:
    """The patient's live indexes at the national index, as reminder entries."""
    url = base_url(sandbox.config, "province_index") + INDEX_QUERY
    client = RecordingClient(sandbox, party="gateway", family="nhsa-index", timeout=30)
    try:
        reply = client.post_json(url, {"certno": certno}, operation="provincePatientIndexes")
        body = reply.json()
        rows = body["indexes"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        return Found(findings=[_unreachable("国家医保影像云索引", "the national index", f"{type(exc).__name__}: {exc}")])
    finally:
        client.close()
    exams = [{"source": "index", "hospitalCode": r.get("fixmedinsCode"), "hospitalName": r.get("fixmedinsName"),
              "examDate": r.get("examDate"), "examItem": r.get("imgExamItem"), "modality": None,
              "conclusion": r.get("diagRslt"), "reportUrl": r.get("examRpotLinkUrl"), "imageUrl": r.get("imgInfoLinkUrl"),
              "key": r.get("hiImgIndx")} for r in rows]
    name = next((r.get("psnName") for r in rows if r.get("psnName")), None)
    return Found(exams=exams, patient_name=name)


def _cloud(sandbox: Sandbox, path: str) -> str:
    return base_url(sandbox.config, "province_cloud") + path


def _public_key(sandbox: Sandbox, client: RecordingClient) -> str:
    try:
        reply = client.get(_cloud(sandbox, PUBLIC_KEY), operation="sm2PublicKey")
        if reply.status_code == 200:
            return str(reply.json()["publicKey"])
    except (httpx.HTTPError, ValueError, KeyError):
        pass
    return sm2.issued_key(sandbox.config).public_key


def _token(sandbox: Sandbox, client: RecordingClient, inst: InstitutionConfig) -> str:
    key = (base_url(sandbox.config, "province_cloud"), inst.code)
    with _lock:
        known = _tokens.get(key)
        if known and known[1] > time.monotonic():
            return known[0]
    reply = client.post_json(_cloud(sandbox, endpoint_path("province_cloud", "getToken") or "/interface/getToken"),
                             {"uid": inst.code, "appSecret": sandbox.config.secret_for(inst)}, operation="getToken",
                             institution=inst.code)
    body = reply.json()
    if body.get("code") != 200:
        raise ValueError(f"getToken code {body.get('code')}: {body.get('msg')}")
    token = str(body["datas"]["token"])
    with _lock:
        _tokens[key] = (token, time.monotonic() + TOKEN_SECONDS)
    return token


def from_province(sandbox: Sandbox, doctor: dict[str, Any], inst: InstitutionConfig, certno: str,
                  patient_name: str) -> Found:
    """003 queryFormerlyExam (searchType 1, history) as the doctor's hospital; 404 means none."""
    client = RecordingClient(sandbox, party="gateway", family="province-cloud", timeout=30)
    lookback = timedelta(days=sandbox.config.parties["gateway"].collection.lookback_days)
    now: datetime = sandbox.now()
    try:
        token = _token(sandbox, client, inst)
        body = {"hospitalCode": inst.code, "searchType": "1", "patientName": patient_name,
                "idCardNo": sm2.encrypt(certno, _public_key(sandbox, client)),
                "checkStartTime": f"{now - lookback:%Y-%m-%d %H:%M:%S}", "checkEndTime": f"{now:%Y-%m-%d %H:%M:%S}",
                # 003 bounds these at 10/10/10/20 characters
                "queryDocName": str(doctor.get("doctorName", ""))[:10], "queryDocCode": str(doctor.get("doctorCode", ""))[:10],
                "queryDeptName": str(doctor.get("department", ""))[:10],
                "queryDeptCode": str(doctor.get("departmentCode") or doctor.get("department", ""))[:20],
                "mac": "-".join(f"{uuid.getnode():012X}"[i:i + 2] for i in range(0, 12, 2))}
        path = endpoint_path("province_cloud", "queryFormerlyExam") or "/interface/queryFormerlyExam"
        reply = client.request("POST", _cloud(sandbox, path), operation="queryFormerlyExam", institution=inst.code,
                               json=body, headers={"X-Token": token})
        answer = reply.json()
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        return Found(findings=[_unreachable("省医保影像云平台", "the provincial cloud", f"{type(exc).__name__}: {exc}")])
    finally:
        client.close()
    if answer.get("code") == 404:
        return Found()
    if answer.get("code") != 200 or not isinstance(answer.get("datas"), list):
        return Found(findings=[_unreachable("省医保影像云平台", "the provincial cloud",
                                            f"code {answer.get('code')}: {answer.get('msg')}")])
    exams = [{"source": "province", "hospitalCode": d.get("hospitalCode"), "hospitalName": d.get("HospitalName"),
              "examDate": str(d.get("checkTime") or "")[:10], "examItem": d.get("checkPart"), "modality": d.get("modality"),
              "conclusion": d.get("conclusion"), "reportUrl": d.get("imageViewPath"), "imageUrl": d.get("imageViewPath"),
              "key": f"{d.get('hospitalCode')}|{d.get('accessNumber')}"} for d in answer["datas"]]
    return Found(exams=exams)
