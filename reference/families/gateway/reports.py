"""The gateway reads a hospital's reports (seeds/001 §4.1): over HTTP (方式二, the PACS's report
pull, ``openapi/hospital-pacs.yaml``) or from the view ``View_Pacs_Text_Info`` over a database
connection (方式一, ``reference.transports.sql``).  Either way page by page, each page an
exchange, at most ``MAX_PAGES``; each report checked against the contract's ``Report`` schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import httpx
from sqlalchemy import select

from reference.collection import report
from reference.config import GatewaySourceConfig
from reference.families import by_name
from reference.parties import base_url, endpoint_path
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.transports.http.client import RecordingClient
from reference.transports.sql import SqlClient
from reference.validation import inspect_body

Source = Literal["http", "view"]
PAGE_SIZE = 100
MAX_PAGES = 50
OPERATION = "getReportInfo"


@dataclass(frozen=True)
class ReportQuery:
    """A time window and a type (001 §4.1.2.1), or one exam's unique number."""

    hospital: str
    type: str = "3"
    start: datetime | None = None
    end: datetime | None = None
    exam_no: str | None = None

    def body(self, page: int) -> dict[str, Any]:
        if self.exam_no:
            return {"examNo": self.exam_no, "pageNo": page, "pageSize": PAGE_SIZE}
        assert self.start is not None and self.end is not None
        return {"startTime": f"{self.start:{report.TIME_FORMAT}}", "endTime": f"{self.end:{report.TIME_FORMAT}}",
                "type": self.type, "pageNo": page, "pageSize": PAGE_SIZE}


@dataclass
class Pulled:
    source: Source
    reports: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.is_error for f in self.findings)


def source_config(sandbox: Sandbox, hospital: str) -> GatewaySourceConfig:
    settings = sandbox.config.parties["gateway"].collection
    return settings.sources.get(hospital) or GatewaySourceConfig()


def pull(sandbox: Sandbox, query: ReportQuery, source: Source | None = None) -> Pulled:
    """The reports the query selects, read the configured way unless ``source`` says otherwise."""
    cfg = source_config(sandbox, query.hospital)
    chosen: Source = source or cfg.reports
    return _by_view(sandbox, query, cfg) if chosen == "view" else _by_http(sandbox, query, cfg)


def report_url(sandbox: Sandbox, hospital: str, cfg: GatewaySourceConfig) -> str:
    if cfg.report_url:
        return cfg.report_url
    path = endpoint_path("hospital", OPERATION) or "/pacs/{hospitalCode}/getReportInfo"
    return base_url(sandbox.config, "hospital") + path.format(hospitalCode=hospital)


def _judge(hospital: str) -> Any:
    def judge(response: httpx.Response) -> list[Finding]:
        try:
            body = response.json()
        except ValueError:
            return [RULES.finding("GW-REPORT-FETCH", hospital=hospital, how="HTTP",
                                  detail=f"HTTP {response.status_code}, not JSON")]
        if not isinstance(body, dict) or body.get("code") != 200 or not isinstance(body.get("data"), list):
            code = body.get("code") if isinstance(body, dict) else None
            message = body.get("message") if isinstance(body, dict) else str(body)[:200]
            return [RULES.finding("GW-REPORT-REJECTED", hospital=hospital, code=code, message=str(message)[:500])]
        return []
    return judge


def _by_http(sandbox: Sandbox, query: ReportQuery, cfg: GatewaySourceConfig) -> Pulled:
    out = Pulled("http")
    url = report_url(sandbox, query.hospital, cfg)
    client = RecordingClient(sandbox, party="gateway", family="hospital-pacs", timeout=60)
    try:
        for page in range(1, MAX_PAGES + 1):
            judge = _judge(query.hospital)
            try:
                reply = client.post_json(url, query.body(page), operation=OPERATION, institution=query.hospital, judge=judge)
            except httpx.HTTPError as exc:
                out.findings.append(RULES.finding("GW-REPORT-FETCH", hospital=query.hospital, how=f"HTTP {url}",
                                                  detail=f"{type(exc).__name__}: {exc}"))
                return out
            problems = judge(reply)
            if problems:
                out.findings += problems
                return out
            body = reply.json()
            out.reports += body["data"]
            if len(body["data"]) < PAGE_SIZE or len(out.reports) >= int(body.get("total") or 0):
                return out
        out.findings.append(RULES.finding("GW-REPORT-PAGES", limit=MAX_PAGES))
        return out
    finally:
        client.close()


def view_url(sandbox: Sandbox, cfg: GatewaySourceConfig) -> str | None:
    """The hospital database holding the view: configured, or the simulated hospital's own."""
    if cfg.database_url:
        return cfg.database_url
    return report.hospital_database_url(sandbox.config) if sandbox.config.parties["hospital"].mode == "simulated" else None


def _by_view(sandbox: Sandbox, query: ReportQuery, cfg: GatewaySourceConfig) -> Pulled:
    out = Pulled("view")
    url = view_url(sandbox, cfg)
    if url is None:
        out.findings.append(RULES.finding("GW-REPORT-FETCH", hospital=query.hospital, how=report.VIEW_NAME,
                                          detail="no database_url is configured for this hospital (parties.gateway."
                                                 f"gateway.sources.{query.hospital}.database_url)"))
        return out
    view = report.view_table()
    where = [view.c.fixmedinsCode == query.hospital]
    if query.exam_no:
        where.append(view.c.examNo == query.exam_no)
        order = [view.c.examNo]
    else:
        column = view.c[report.TIME_COLUMNS[query.type]]
        where += [column >= query.start, column <= query.end]
        order = [column, view.c.examNo]
    client = SqlClient(sandbox, url, party="gateway", family="hospital-pacs", max_rows=PAGE_SIZE)
    for _ in range(MAX_PAGES):  # a page may be cut short by the byte bound: go on from what was read
        result = client.select(select(view).where(*where).order_by(*order).offset(len(out.reports)),
                               operation=report.VIEW_NAME, institution=query.hospital)
        out.findings += result.findings
        if not result.ok:
            return out
        out.reports += [report.from_view_row(row) for row in result.rows]
        if not result.truncated:
            return out
    out.findings.append(RULES.finding("GW-REPORT-PAGES", limit=MAX_PAGES))
    return out


def check(item: Any, index: int, mode: Any) -> tuple[dict[str, Any], list[Finding]]:
    """One report against the hospital contract's ``Report`` schema (every finding, at data[i])."""
    schema = by_name("hospital-pacs").spec()["components"]["schemas"]["Report"]
    inspected = inspect_body(item, schema, operation=OPERATION, mode=mode)
    prefix = f"data[{index}]"
    findings = [RULES.finding(f.rule, mode=mode, path=f"{prefix}.{f.path}" if f.path not in ("", "$") else prefix,
                              **f.params) for f in inspected.findings]
    return (inspected.body if isinstance(inspected.body, dict) else {}), findings
