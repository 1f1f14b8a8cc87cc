"""What the platform does with an apply form (seeds/004 §3.4.1.1): INSERT (or an empty Action),
UPDATE, DELETE — each answered with 004's codes through ``NativeError`` (``replies.CODES``)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from reference.errors import NativeError
from reference.regional import applies
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import SynApply

from .document import ROOT, ApplyDocument


def _refuse(findings: list[Finding], rule: str, **params: Any) -> NativeError:
    return NativeError([RULES.finding(rule, path=f"{ROOT}/Exam/ApplyNo", **params), *findings])


def apply(sandbox: Sandbox, doc: ApplyDocument, text: str, findings: list[Finding]) -> str:
    """Store the change; returns the apply's state afterwards."""
    action, apply_no, now = doc.action, doc.apply_no, sandbox.now()
    failure = "SYNINFO-DELETE-FAILED" if action == "DELETE" else "SYNINFO-WRITE-FAILED"
    try:
        with sandbox.db.session() as session:
            stored = applies.find(session, apply_no)
            live = stored is not None and stored.status != applies.DELETED
            if action == "INSERT" and live:
                assert stored is not None
                state = applies.PROGRESS.get(stored.status, ("已登记申请单", "registered as an apply form"))
                raise _refuse(findings, "SYNINFO-APPLY-EXISTS", apply=apply_no, state=state[0], state_en=state[1])
            if action != "INSERT":
                if not live:
                    raise _refuse(findings, "SYNINFO-APPLY-UNKNOWN", apply=apply_no, action=action)
                assert stored is not None
                moved = applies.progressed(stored)
                if moved:
                    raise _refuse(findings, "SYNINFO-APPLY-PROGRESSED", apply=apply_no, state=moved[0], state_en=moved[1],
                                  since=f"{stored.updated_at:%Y-%m-%d %H:%M:%S}", action=action)
                if action == "DELETE" and stored.sick_no != doc.sick_no:
                    raise NativeError([RULES.finding("SYNINFO-DELETE-MISMATCH", path=f"{ROOT}/Patient/SickNo", apply=apply_no,
                                                     stored=stored.sick_no, sent=doc.sick_no), *findings])
            if stored is None:
                stored = SynApply(apply_no=apply_no, history=[], created_at=now)
                session.add(stored)
            _write(stored, doc, text, action, now)
            return stored.status
    except SQLAlchemyError as exc:
        raise NativeError([RULES.finding(failure, path=f"{ROOT}/Exam/ApplyNo", error=type(exc).__name__), *findings]) from exc


def _write(stored: SynApply, doc: ApplyDocument, text: str, action: str, now: datetime) -> None:
    stored.status = applies.DELETED if action == "DELETE" else applies.APPLIED
    if action != "DELETE":
        stored.document, stored.fields = text, doc.fields()
        stored.sick_no, stored.patient_name = doc.sick_no, doc.text("Patient/PatientName")
        stored.hospital_code = doc.attr("Exam/ReqHospital", "code") or None
    stored.history = [*stored.history, {"action": action, "at": f"{now:%Y-%m-%d %H:%M:%S}",
                                        "institution": doc.institution.code if doc.institution else None}]
    stored.updated_at = now
