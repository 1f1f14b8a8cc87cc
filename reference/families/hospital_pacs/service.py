"""The hospital's report pull (seeds/001 §4.1.2): reports of a time window by the column the
``type`` names, or one exam by its unique number, read from the view peers read
(``View_Pacs_Text_Info``), one bounded page at a time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from reference.collection import report
from reference.errors import NativeError
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox

from .database import VIEW, database_url, engine_for

MAX_WINDOW = timedelta(days=93)
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class Query:
    hospital: str
    exam_no: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    type: str | None = None
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE


def _time(value: Any) -> datetime | None:
    try:
        return datetime.strptime(value, report.TIME_FORMAT) if isinstance(value, str) else None
    except ValueError:
        return None


def parse_query(sandbox: Sandbox, hospital: str, body: dict[str, Any]) -> Query:
    """The query a checked body asks for; ``NativeError`` when it asks for nothing coherent."""
    findings: list[Finding] = []
    inst = sandbox.config.institution(hospital)
    if inst is None or inst.kind != "hospital":
        known = "、".join(i.code for i in sandbox.config.institutions if i.kind == "hospital")
        findings.append(RULES.finding("HPACS-UNKNOWN-HOSPITAL", path="hospitalCode", hospital=hospital, known=known))
    page, size = int(body.get("pageNo") or 1), int(body.get("pageSize") or DEFAULT_PAGE_SIZE)
    if body.get("examNo"):
        if findings:
            raise NativeError(findings)
        return Query(hospital, exam_no=str(body["examNo"]), page=page, size=size)
    missing = [k for k in ("startTime", "endTime", "type") if not body.get(k)]
    if missing:
        findings.append(RULES.finding("HPACS-QUERY-MISSING", missing="、".join(missing)))
        raise NativeError(findings)
    start, end = _time(body["startTime"]), _time(body["endTime"])
    if start is not None and end is not None:
        if start > end:
            findings.append(RULES.finding("HPACS-WINDOW-ORDER", path="$.startTime", start=body["startTime"],
                                          end=body["endTime"]))
        elif end - start > MAX_WINDOW:
            findings.append(RULES.finding("HPACS-WINDOW-TOO-LONG", start=body["startTime"], end=body["endTime"],
                                          limit=MAX_WINDOW.days))
    if findings or start is None or end is None:
        raise NativeError(findings)
    return Query(hospital, start=start, end=end, type=str(body["type"]), page=page, size=size)


def reports(sandbox: Sandbox, query: Query) -> tuple[list[dict[str, Any]], int]:
    """One page of the query's reports (as the pull sends them) and how many match in all."""
    where = [VIEW.c.fixmedinsCode == query.hospital]
    if query.exam_no is not None:
        where.append(VIEW.c.examNo == query.exam_no)
        order = [VIEW.c.examNo]
    else:
        column = VIEW.c[report.TIME_COLUMNS[query.type or "3"]]
        where += [column >= query.start, column <= query.end]
        order = [column, VIEW.c.examNo]
    try:
        with engine_for(database_url(sandbox.config)).connect() as conn:
            total = conn.execute(select(func.count()).select_from(VIEW).where(*where)).scalar_one()
            page = conn.execute(select(VIEW).where(*where).order_by(*order)
                                .limit(query.size).offset((query.page - 1) * query.size))
            rows = [report.from_view_row(dict(row._mapping)) for row in page]
    except SQLAlchemyError as exc:
        raise NativeError([RULES.finding("HPACS-DATABASE", detail=type(exc).__name__)]) from exc
    return rows, int(total)
