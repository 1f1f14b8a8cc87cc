"""The exchange log itself: records are queued and written by one writer thread in batches,
off the request path, and read back newest first.

Bodies over the configured limit are kept as size + sha256 + head (``record.body_record``),
so the log stays small under load while still proving what was sent.
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from sqlalchemy import insert, select

from reference.storage import Database
from reference.storage.models import Exchange

logger = logging.getLogger("imgcloud.exchanges")


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

    def write(self, row: dict[str, Any]) -> None:
        """Queue one finished record (``recorder.Recording.finish`` is the only caller)."""
        self._queue.put(row)

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
                        conn.execute(insert(Exchange), rows)
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
