"""The exchange log: one record for every request a simulated party receives and every
call a simulator makes (HTTP now; SOAP and DICOM use the same record).

Bodies over the configured limit are kept as size + sha256 + head, so the log stays
small under load while still proving what was sent.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import queue
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from reference.rules import Finding, verdict_of
from reference.storage import Database
from reference.storage.models import Exchange

VERDICTS = ("pass", "warn", "fail", "error")
logger = logging.getLogger("imgcloud.exchanges")


def body_record(data: bytes, media_type: str | None, *, limit: int, head: int) -> dict[str, Any]:
    """A body as the log keeps it: whole when small, else size + sha256 + head."""
    record: dict[str, Any] = {"size": len(data), "media_type": media_type}
    if len(data) <= limit:
        record.update(_content(data, media_type))
        return record
    record["sha256"] = hashlib.sha256(data).hexdigest()
    record["truncated"] = True
    record["head"] = data[:head].decode("utf-8", errors="replace")
    return record


def _content(data: bytes, media_type: str | None) -> dict[str, Any]:
    if not data:
        return {"body": None}
    if media_type and "json" in media_type:
        try:
            return {"json": json.loads(data)}
        except ValueError:
            pass
    try:
        return {"body": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


@dataclass
class ExchangeDraft:
    """What a handler learns about an exchange while serving it; the recorder saves it."""

    direction: str = "inbound"
    transport: str = "http"
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)
    party: str | None = None
    family: str | None = None
    operation: str | None = None
    institution: str | None = None
    findings: list[Finding] = field(default_factory=list)
    verdict: str | None = None  # derived from the findings unless set (``error``)
    #: ``(sha256, size)`` of a response body the handler already knows (prebuilt replies)
    response_digest: tuple[str, int] | None = None

    def add(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)


class ExchangeLog:
    """Records are queued and written by one writer thread in batches, off the request path;
    ``query`` flushes this process's queue first, so a process always reads its own writes
    (another worker's appear within a batch interval)."""

    BATCH = 200

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._writer = threading.Thread(target=self._write_batches, name="imgcloud-exchange-log", daemon=True)
        self._writer.start()

    def record(
        self,
        draft: ExchangeDraft,
        *,
        time: datetime,
        method: str | None,
        url: str | None,
        status: int | None,
        request: dict[str, Any],
        response: dict[str, Any],
        duration_ms: float | None,
    ) -> str:
        """Queue the record; its ``uid`` (also sent to the caller as X-Imgcloud-Exchange)."""
        self._queue.put({
            "uid": draft.uid, "time": time, "direction": draft.direction, "transport": draft.transport,
            "party": draft.party, "family": draft.family, "operation": draft.operation,
            "institution": draft.institution, "method": method, "url": url, "status": status,
            "verdict": draft.verdict or verdict_of(draft.findings), "duration_ms": duration_ms,
            "request": request, "response": response, "findings": [f.to_dict() for f in draft.findings],
        })
        return draft.uid

    def _write_batches(self) -> None:
        while True:
            first = self._queue.get()
            batch = [first]
            while len(batch) < self.BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [r for r in batch if r is not None]
            try:
                if rows:
                    with self.db.engine.begin() as conn:
                        conn.execute(insert(Exchange.__table__), rows)
            except Exception:  # the log must never take the sandbox down
                logger.exception("could not write %d exchange records", len(rows))
            finally:
                for _ in batch:
                    self._queue.task_done()
            if None in batch:
                return

    def flush(self) -> None:
        """Wait until everything queued so far is written."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join(timeout=30)

    def query(
        self,
        *,
        operation: str | None = None,
        institution: str | None = None,
        verdict: str | None = None,
        family: str | None = None,
        uid: str | None = None,
        direction: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        self.flush()
        stmt = select(Exchange).order_by(Exchange.id.desc()).limit(limit)
        for column, value in (
            (Exchange.uid, uid),
            (Exchange.direction, direction),
            (Exchange.operation, operation),
            (Exchange.institution, institution),
            (Exchange.verdict, verdict),
            (Exchange.family, family),
        ):
            if value:
                stmt = stmt.where(column == value)
        with self.db.session() as session:
            return [_as_dict(row) for row in session.scalars(stmt)]


def _as_dict(row: Exchange) -> dict[str, Any]:
    return {
        "id": row.id,
        "uid": row.uid,
        "time": row.time.isoformat(sep=" ", timespec="milliseconds"),
        "direction": row.direction,
        "transport": row.transport,
        "party": row.party,
        "family": row.family,
        "operation": row.operation,
        "institution": row.institution,
        "method": row.method,
        "url": row.url,
        "status": row.status,
        "verdict": row.verdict,
        "duration_ms": row.duration_ms,
        "findings": row.findings,
        "request": row.request,
        "response": row.response,
    }
