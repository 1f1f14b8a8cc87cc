"""Sandbox control of the simulated gateway (``openapi/sandbox.yaml``): collect now (seeds/001
§4.1–4.2, what the gateway otherwise does on its schedule) and read what it holds."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from connexion.context import context
from sqlalchemy import select

from reference.collection import report
from reference.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.db import delete_rows
from reference.storage.models import DicomStored, GatewayCursor, GatewayExam, GatewayReminder, GatewaySession

from .collect import collect
from .deletion import exams_of
from .reports import ReportQuery
from .store import STORE

DEFAULT_DAYS = 31


def _sandbox() -> Sandbox:
    return context["sandbox"]


def _time(body: dict[str, Any], name: str) -> datetime | None:
    value = body.get(name)
    try:
        return datetime.strptime(value, report.TIME_FORMAT) if value else None
    except ValueError as exc:  # the spec's pattern lets 0000-00-00 00:00:00 through
        raise NativeError([RULES.finding("CONTROL-BAD-VALUE", path=f"$.{name}", field=name, value=value,
                                         detail=str(exc))]) from None


def query_of(sandbox: Sandbox, body: dict[str, Any]) -> ReportQuery:
    """The pull a control body asks for: an exam number, or a window (default: the last ``days``,
    31 by default, up to now) and a type (default 3, audited)."""
    hospital = body.get("hospital") or sandbox.config.parties["gateway"].collection.hospital
    if body.get("examNo"):
        return ReportQuery(hospital, exam_no=str(body["examNo"]))
    end = _time(body, "endTime") or sandbox.now()
    start = _time(body, "startTime") or end - timedelta(days=int(body.get("days") or DEFAULT_DAYS))
    return ReportQuery(hospital, str(body.get("type") or "3"), start, end)


def gatewayPull(body: dict[str, Any]) -> dict[str, Any]:
    """The gateway pulls reports now, collects their studies and uploads them (flow B)."""
    sandbox = _sandbox()
    query = query_of(sandbox, body)
    if sandbox.config.institution(query.hospital) is None:
        raise NativeError([RULES.finding("CONTROL-UNKNOWN-INSTITUTION", path="$.hospital", detail=query.hospital)])
    return collect(sandbox, query, source=body.get("source"), images=body.get("images"),
                   upload_exams=body.get("upload", True))


def gatewayExamState(hospitalCode: str, accessionNo: str) -> dict[str, Any]:
    """What the gateway holds for an accession: every record, with status, upload and findings."""
    found = exams_of(_sandbox(), hospitalCode, accessionNo)
    return {"exists": bool(found), "exams": found}


def resetTenantState(sandbox: Sandbox, code: str) -> dict[str, int]:
    """A tenant's reset (``POST /_sandbox/tenants/{code}/reset``, issue 13): what the gateway holds
    of the hospital ``code`` — its collected exams, the doctors' plug-in sessions and reminders at
    it, where its scheduled collection had read up to, and the instances its store received for the
    hospital's studies (a study another hospital's exam also names stays).  Files stay in the
    content-addressed blob store."""
    with sandbox.db.session() as session:
        studies = set(session.scalars(select(GatewayExam.study_uid).where(
            GatewayExam.hospital_code == code, GatewayExam.study_uid.is_not(None))))
        shared = set(session.scalars(select(GatewayExam.study_uid).where(
            GatewayExam.hospital_code != code, GatewayExam.study_uid.in_(studies)))) if studies else set()
        mine = sorted(s for s in studies - shared if s)
        return {
            "gateway_exams": delete_rows(session, GatewayExam, GatewayExam.hospital_code == code),
            "gateway_sessions": delete_rows(session, GatewaySession, GatewaySession.hospital_code == code),
            "gateway_reminders": delete_rows(session, GatewayReminder, GatewayReminder.hospital_code == code),
            "gateway_cursors": delete_rows(session, GatewayCursor, GatewayCursor.hospital_code == code),
            "gateway_stored": delete_rows(session, DicomStored, DicomStored.store == STORE,
                                          DicomStored.study_uid.in_(mine)) if mine else 0,
        }
