"""The external-exam reminder (seeds/001 §4.4.3.2 外院检查数据提醒; parameters sandbox-defined,
INTERFACES.md §4): when a logged-in doctor selects a patient, the gateway finds the patient's
exams at other hospitals (the national index and the provincial cloud, ``lookup.py``) and answers
them with a bubble page URL — "查到后调阅插件会先进行气泡提醒，点击气泡后，可查看具体的报告和图像" (§4.4.2 b).
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from reference.errors import NativeError
from reference.parties import base_url
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import GatewayReminder
from reference.viewer import render_page

from . import lookup, plugin

BUBBLE_PATH = "/iuWorkStation/bubble"


def remind(sandbox: Sandbox, body: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """The patient's exams elsewhere, stored for the bubble page; ``findings`` gets the warnings."""
    user, hospital = body["hisUserId"], body["hospitalId"]
    session = plugin.active_session(sandbox, user, hospital)
    certno, problems = plugin.decrypt_id(sandbox.config, body["idCardNo"], "idCardNo")
    findings += problems
    if any(f.is_error for f in findings):
        raise NativeError(findings)
    assert certno is not None
    inst = sandbox.config.institution(hospital)
    if inst is None:
        raise NativeError([RULES.finding("GW-UNKNOWN-HOSPITAL", path="hospitalId", hospital=hospital,
                                         known="、".join(i.code for i in sandbox.config.institutions if i.kind == "hospital"))])
    index = lookup.from_index(sandbox, certno)
    name = body.get("patientName") or index.patient_name
    province = lookup.from_province(sandbox, session.doctor, inst, certno, name) if name else lookup.Found()
    findings += index.findings + province.findings
    seen: set[str] = set()
    exams = []
    for exam in [*index.exams, *province.exams]:
        if exam["hospitalCode"] == hospital or str(exam["key"]) in seen:
            continue
        seen.add(str(exam["key"]))
        exams.append({k: v for k, v in exam.items() if k != "key"})
    reminder = uuid.uuid4().hex
    with sandbox.db.session() as db:
        db.add(GatewayReminder(id=reminder, his_user_id=user, hospital_code=hospital, patient_name=name, exams=exams,
                               created_at=sandbox.now()))
    bubble = f"{base_url(sandbox.config, 'gateway')}{BUBBLE_PATH}?id={reminder}"
    return {"patientName": name, "count": len(exams), "exams": exams, "bubbleUrl": bubble}


def bubble_page(sandbox: Sandbox, reminder_id: str) -> str:
    with sandbox.db.session() as session:
        found = session.scalar(select(GatewayReminder).where(GatewayReminder.id == reminder_id))
        if found is None:
            raise NativeError([RULES.finding("GW-REMINDER-UNKNOWN", id=reminder_id)])
        session.expunge(found)
    hospital = sandbox.config.institution(found.hospital_code)
    return render_page("gateway_bubble.html", title=f"外院检查提醒 {found.patient_name or ''}", exams=found.exams,
                       patient=found.patient_name or "", hospital=hospital.name if hospital else found.hospital_code,
                       when=f"{found.created_at:%Y-%m-%d %H:%M}")
