"""The reading client of the SQL transport: a party reads a view in another party's database,
every read bounded and recorded as an exchange (transport ``sql``, direction outbound).

Bounds: at most ``max_rows`` rows per read (one more is fetched to know whether the read was
cut), at most ``max_bytes`` of values, a statement timeout and a connect timeout, a read-only
session.  What was read (rows as JSON, whole when small) goes to the log with the statement
and its parameters; the URL is logged without its password.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select

from reference.exchanges import ExchangeDraft, body_record, recording
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox

from .boundary import RAN, failure
from .engines import bounded, masked_url, reader_engine


@dataclass
class ReadResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    truncated: bool = False  # more rows matched than max_rows (read the next page)
    status: int | None = None
    findings: list[Finding] = field(default_factory=list)
    exchange: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == RAN and not any(f.is_error for f in self.findings)


def plain(value: Any) -> Any:
    """A value as JSON carries it (datetimes as ``yyyy-MM-dd HH:mm:ss``)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return value


class SqlClient:
    def __init__(self, sandbox: Sandbox | None, url: str, *, party: str, family: str, timeout: float = 10.0,
                 max_rows: int = 200, max_bytes: int = 8 * 1024 * 1024) -> None:
        self.sandbox, self.url = sandbox, url
        self.party, self.family = party, family
        self.timeout, self.max_rows, self.max_bytes = timeout, max_rows, max_bytes

    def select(self, statement: Select[Any], *, operation: str, institution: str | None = None) -> ReadResult:
        """Run ``statement`` (``LIMIT max_rows + 1`` added) and record the exchange."""
        draft = ExchangeDraft(direction="outbound", transport="sql", party=self.party, family=self.family,
                              operation=operation, institution=institution)
        record, result = recording(self.sandbox, draft), ReadResult()
        url = masked_url(self.url)
        bounded_statement = statement.limit(self.max_rows + 1)
        dialect: Any = None
        try:
            engine = reader_engine(self.url, self.timeout)
            dialect = engine.dialect
            with engine.connect() as connection, connection.begin(), bounded(connection, self.timeout):
                cursor = connection.execute(bounded_statement)
                result.columns = list(cursor.keys())
                self._fetch(cursor, result)
            result.status = RAN
        except Exception as exc:  # noqa: BLE001 - the boundary names every failure
            failed = failure(exc, url=url, what=operation, timeout=self.timeout)
            result.status, result.findings = failed.status, [*result.findings, *failed.findings]
        draft.add(result.findings)
        result.exchange = record.finish(method="SELECT", url=url, status=result.status,
                                        request=self._request(bounded_statement, dialect),
                                        response=self._response(result))
        return result

    def _fetch(self, cursor: Any, result: ReadResult) -> None:
        """At most ``max_rows`` rows and ``max_bytes`` of values; ``truncated`` when more matched
        (the caller reads the next page).  A single row larger than ``max_bytes`` is refused."""
        size = 0
        for row in cursor.fetchmany(self.max_rows + 1):
            if len(result.rows) == self.max_rows:
                result.truncated = True
                break
            values = {key: plain(value) for key, value in row._mapping.items()}
            size += sum(len(str(v)) for v in values.values() if v is not None)
            if size > self.max_bytes:
                result.truncated = True
                if not result.rows:
                    result.findings.append(RULES.finding("SQL-ROW-TOO-LARGE", limit=self.max_bytes))
                break
            result.rows.append(values)

    def _request(self, statement: Select[Any], dialect: Any) -> dict[str, Any]:
        """The statement as the database received it (its dialect's SQL) and its parameters."""
        compiled = statement.compile(dialect=dialect) if dialect is not None else statement.compile()
        sql, params = str(compiled), {k: plain(v) for k, v in compiled.params.items()}
        return {"sql": sql, "params": params, "timeout_s": self.timeout, "max_rows": self.max_rows}

    def _response(self, result: ReadResult) -> dict[str, Any]:
        cfg = self.sandbox.config.exchange_log if self.sandbox else None
        data = json.dumps(result.rows, ensure_ascii=False).encode("utf-8")
        body = body_record(data, "application/json", limit=cfg.body_limit if cfg else 65536,
                           head=cfg.head_bytes if cfg else 1024)
        return {"rows": len(result.rows), "columns": result.columns, "truncated": result.truncated, **body}

