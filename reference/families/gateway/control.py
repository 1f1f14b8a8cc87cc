"""Sandbox control of the simulated gateway (``openapi/sandbox.yaml``): collect now (seeds/001
§4.1–4.2, what the gateway otherwise does on its schedule) and read what it holds."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from connexion.context import context

from reference.collection import report
from reference.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox

from .collect import collect
from .deletion import exams_of
from .reports import ReportQuery

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
