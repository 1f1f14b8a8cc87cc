"""The exchange log itself: records are journaled, queued, and written by one writer thread
in batches, off the request path, and read back newest first.

Bodies over the configured limit are kept as size + sha256 + head (``record.body_record``),
so the log stays small under load while still proving what was sent.

Nothing answered goes unrecorded, and no record can break the log:

- every record is stored as received, what a database cannot hold escaped (``storable``: a lone
  surrogate ``\\ud800`` or a NUL becomes its ``\\uXXXX`` text);
- a batch that fails is retried; then row by row; a row that still fails is written without its
  bodies (size and sha256 kept, the reason said) — never silently dropped;
- each record is first appended to this process's journal (``<home>/journal/``, files of a few
  MB each, held with an exclusive ``flock``) before the reply's last byte leaves; a file is removed
  (the last one emptied) once every line in it is committed — under any load, not only once the
  queue runs dry.  A process that starts replays the journals of processes that died (their lock is
  free after ``kill -9``), skipping records already stored.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import mmap
import os
import queue
import re
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, Text, cast, or_, select
from sqlalchemy import delete as sa_delete

from reference.storage import Database
from reference.storage import raw as statements
from reference.storage.models import Exchange

from .record import Sealed, Serialized
from .record import suspect as _suspect

logger = logging.getLogger("imgcloud.exchanges")

_EXCHANGES: Table = Exchange.__table__  # type: ignore[assignment]
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")
RETRIES = (0.2, 1.0, 3.0)


def storable(value: Any) -> Any:
    """``value`` with every string a database can hold: lone surrogates and NUL escaped as text."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value) if _UNSTORABLE.search(value) else value
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value


#: String columns of ``exchanges`` and their lengths (models.Exchange): longer values are cut.
_COLUMNS = {"uid": 32, "direction": 8, "transport": 8, "party": 32, "family": 32, "operation": 64,
            "institution": 64, "method": 16, "verdict": 8}


def _fitted(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its string columns cut to their lengths (a vendor's 200-character institution
    code is still logged, shortened; the bodies keep it whole); ``row`` itself when none is longer."""
    cut = {k: v[:n] for k, n in _COLUMNS.items() if isinstance(v := row.get(k), str) and len(v) > n}
    return {**row, **cut} if cut else row


def _without_bodies(queued: Queued, why: str) -> dict[str, Any]:
    """What is kept of a row the database refused: everything but the bodies, and why."""
    row, texts = queued
    if texts is not None:
        row = {**row, **statements.json_values(texts)}

    def summary(part: Any) -> dict[str, Any]:
        text = json.dumps(part, default=str, sort_keys=True).encode("utf-8", "backslashreplace")
        return {"unstorable": why[:300], "size": len(text), "sha256": hashlib.sha256(text).hexdigest()}
    return {**row, "request": summary(row.get("request")), "response": summary(row.get("response"))}


class Journal:
    """This process's append-only record of what it queued, for replay after a crash.

    The file is mapped (``MAP_SHARED``) and each line copied into the mapping: it is in the kernel's
    page cache once copied — a killed process leaves what a ``write`` would have left — without a
    system call per record, nor the GIL let go to the log's writer thread in the middle of a request
    (issue 12: the ``write`` and ``flush`` of every exchange).  The file is allocated ahead
    (``posix_fallocate``: a full disk fails when the journal grows, as a ``write`` would, never as a
    fault on a page); its unused part is zeros, so a reader stops at the first NUL (a journal line is
    ASCII JSON, a NUL in it escaped as ``\\u0000``).  ``clear`` zeroes what was written.
    """

    SIZE = 1 << 20  # bytes allocated at first; doubled whenever a line would not fit

    def __init__(self, directory: Path, name: str | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{name or f'{os.getpid()}-{uuid.uuid4().hex[:8]}'}.jsonl"
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._used = 0
        self._map = self._allocated(self.SIZE)

    def _allocated(self, size: int) -> mmap.mmap:
        """The file allocated to ``size`` bytes (zeros past what was written) and mapped whole."""
        try:
            os.posix_fallocate(self._fd, 0, size)
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                raise  # a full disk: as a write would have failed
            have = os.fstat(self._fd).st_size
            if have < size:
                os.write(self._fd, bytes(size - have))  # O_APPEND: at the end; allocated for real
        return mmap.mmap(self._fd, size)

    def append(self, line: str) -> None:
        """One record, as ``_storable_line`` wrote it."""
        data = line.encode("ascii")
        end = self._used + len(data) + 1
        if end >= len(self._map):  # one NUL always follows the last line
            grown = self._allocated(max(2 * len(self._map), end + self.SIZE))
            self._map.close()
            self._map = grown
        self._map[self._used:end - 1] = data  # in the page cache: a killed process loses nothing so far
        self._map[end - 1] = 0x0A  # its newline (written apart: a 64 KB line is not copied once more for it)
        self._used = end

    @property
    def used(self) -> int:
        return self._used

    def clear(self) -> None:
        self._map[:self._used] = bytes(self._used)
        self._used = 0

    def close(self, *, keep: bool) -> None:
        self._map.close()
        os.close(self._fd)
        if not keep:
            self.path.unlink(missing_ok=True)


def journal_lines(data: bytes) -> list[bytes]:
    """A journal's lines: up to its first NUL (the allocated, unwritten rest), empty ones left out."""
    return [line for line in data.split(b"\0", 1)[0].split(b"\n") if line.strip()]


#: The record's JSON columns: each serialised once, for its journal line and for SQLite alike.
_JSON_COLUMNS = ("request", "response", "findings")
#: A record as queued: the row, and its JSON columns' text as SQLite stores them (or ``None``).
#: When there is text, the row's JSON columns are ``None``: a queued record is then strings,
#: numbers and a date — nothing the garbage collector tracks (issue 12: a writer a few thousand
#: records behind, at full load, made every full collection walk their request and response
#: bodies — 50–100 ms pauses of the event loop, the 1-worker p99 of ~130 ms).
Queued = tuple[dict[str, Any], dict[str, str] | None]


def _storable_line(row: dict[str, Any]) -> tuple[dict[str, Any], str, dict[str, str] | None]:
    """The row as it is stored (``storable``, ``_fitted``), its journal line, and its JSON columns'
    text (``json.dumps``, as ``storage.raw`` would bind them; a ``Sealed`` or ``Serialized`` body record's own): each
    column serialised once, the line assembled from them (issue 12: the exchange record's
    per-request cost).  Walking every string of a record costs more than serialising it, and the
    line is needed anyway: the walk happens only when the line shows a character it would escape."""
    try:
        texts: dict[str, str] | None = {k: _column_text(row[k]) for k in _JSON_COLUMNS if k in row}
    except (TypeError, ValueError):  # not JSON as it is (SQLite's binding would refuse it too)
        texts = None
    if texts is not None:
        fitted = _fitted(row)
        rest = _ROW_ENCODER.encode({k: v for k, v in fitted.items() if k not in texts})
        line = "{" + ", ".join([*([rest[1:-1]] if len(rest) > 2 else []), *(f'"{k}": {t}' for k, t in texts.items())]) + "}"
        # the line is suspect exactly when one of its parts is (an escape never spans two: each lies in
        # a string of one part); a sealed body record knows its own answer (issue 12: a 48 KB PDF's
        # base64 scanned anew for each request)
        if not (_suspect(rest) or any(not row[k].clean if isinstance(row[k], Sealed) else _suspect(t)
                                      for k, t in texts.items())):
            return fitted, line, texts
    row = {k: v.value() if isinstance(v, Serialized) else v for k, v in row.items()}
    line = _ROW_ENCODER.encode(row)
    if _suspect(line):
        row = storable(row)
        line = _ROW_ENCODER.encode(row)
    fitted = _fitted(row)
    return fitted, line if fitted is row else _ROW_ENCODER.encode(fitted), None


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


#: ``json.dumps(…, default=_iso)``'s encoder, made once (``json.dumps`` makes one a call when given
#: ``default``: ~2.5 us of each record, issue 12).
_ROW_ENCODER = json.JSONEncoder(default=_iso)


def _column_text(value: Any) -> str:
    """A JSON column's text: a sealed or serialised body record's own, ``[]`` for no findings (most
    records: ``json.dumps([])`` is ~1.5 us), else ``json.dumps``."""
    if isinstance(value, (Sealed, Serialized)):
        return value.text
    if type(value) is list and not value:
        return "[]"
    return json.dumps(value)


def orphaned_rows(directory: Path) -> Iterable[tuple[Path, list[dict[str, Any]]]]:
    """Rows of the journals whose processes are gone (their flock can be taken)."""
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.jsonl")):
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            continue
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its process is alive
            rows = []
            for line in journal_lines(handle.read()):
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # the last line of a process killed mid-write
                row["time"] = datetime.fromisoformat(row["time"]) if row.get("time") else None
                rows.append(storable(row))
            yield path, rows


class ExchangeLog:
    """Records are queued and written by one writer thread in batches, off the request path;
    ``query`` flushes this process's queue first, so a process always reads its own writes
    (another worker's appear within a batch interval)."""

    BATCH = 200
    #: How long the writer lets records gather after the first of a batch (a group commit: one
    #: transaction for a burst instead of one a record, and one thread wake-up, not one a request: a
    #: woken writer takes the GIL from the thread serving the next request — a DICOM C-FIND in one
    #: association paid ~0.6 ms of each ~3 ms query for it); ``flush`` and ``close`` cut it short.
    #: The journal keeps the crash guarantee meanwhile.
    LINGER = 0.05
    #: Bytes of journal in one file before the next file is begun (``Journal`` grows past its first
    #: size): under a load that never lets the queue run dry, committed files are removed whole.
    SEGMENT = 8 << 20

    def __init__(self, db: Database, journal: Path | None = None) -> None:
        self.db = db
        #: records with their journal line's number, in the order journaled (``None``: close)
        self._queue: queue.Queue[tuple[Queued, int] | None] = queue.Queue()
        self._now = threading.Event()  # a reader (``flush``) or ``close`` is waiting: no lingering
        self._lock = threading.Lock()
        self._kept = False  # rows the database refused even without bodies stay in the journal
        if journal is not None:
            self._replay(journal)
        self._directory = journal
        self._stem = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._lines = 0  # journal lines appended so far: the last one's number
        self._files = 0  # journal files begun so far
        #: this process's journal files, oldest first, each with the number of its last line
        self._journals: list[tuple[Journal, int]] = []
        self._writer = threading.Thread(target=self._write_batches, name="imgcloud-exchange-log", daemon=True)
        self._writer.start()

    def write(self, row: dict[str, Any]) -> None:
        """Journal and queue one finished record (``recorder.Recording.finish`` is the only caller)."""
        row, line, texts = _storable_line(row)
        if texts is not None:
            row = {k: None if k in texts else v for k, v in row.items()}
        with self._lock:
            self._lines += 1
            if self._directory is not None:
                if not self._journals or self._journals[-1][0].used >= self.SEGMENT:
                    self._files += 1  # (named in order: replay reads them so)
                    self._journals.append((Journal(self._directory, f"{self._stem}-{self._files:06d}"), 0))
                journal = self._journals[-1][0]
                journal.append(line)
                self._journals[-1] = (journal, self._lines)
            self._queue.put(((row, texts), self._lines))

    # -- the writer thread ---------------------------------------------------------------------
    def _write_batches(self) -> None:
        while True:
            first = self._queue.get()
            if first is not None and self._queue.qsize() < self.BATCH - 1:
                self._now.wait(self.LINGER)
            batch = [first]
            while len(batch) < self.BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            records = [queued for queued in batch if queued is not None]
            rows = [row for row, _ in records]
            try:
                if rows:
                    self._store(rows)
            except Exception:  # the log must never take the sandbox down
                logger.exception("could not write %d exchange records", len(rows))
            finally:
                self._committed(records[-1][1] if records else 0)  # numbered in the order taken
                for _ in batch:
                    self._queue.task_done()
            if None in batch:
                return

    def _store(self, rows: list[Queued]) -> None:
        """The batch; on failure, retried, then row by row, then rows without their bodies."""
        for pause in (*RETRIES, None):
            try:
                self._insert(rows)
                return
            except Exception as exc:
                if pause is None:
                    logger.warning("exchange batch of %d failed (%s); writing row by row", len(rows), exc)
                    break
                time.sleep(pause)
        for row in rows:
            self._store_one(row)

    def _store_one(self, queued: Queued) -> None:
        row = queued[0]
        try:
            self._insert([queued])
        except Exception as exc:
            try:
                self._insert([(_without_bodies(queued, f"{type(exc).__name__}: {exc}"), None)])
            except Exception:
                self._kept = True
                logger.exception("exchange %s could not be written; it stays in the journal", row.get("uid"))

    def _insert(self, rows: list[Queued]) -> None:
        """One transaction; on SQLite the rows go in on its own connection (``storage.raw``: ~3x less
        CPU than a Core ``executemany``, and the writer lock — which requests wait for — held as
        much shorter), their JSON columns as the text ``write`` serialised already."""
        with self.db.transaction() as conn:
            statements.insert_many(conn, _EXCHANGES, [row for row, _ in rows], texts=[texts for _, texts in rows])

    def _committed(self, line: int) -> None:
        """Every journal line up to number ``line`` is stored (the writer takes records in the order
        they were journaled): the files holding only such lines go, the last one is emptied."""
        with self._lock:
            if self._kept:
                return
            while self._journals and self._journals[0][1] <= line:
                journal, _ = self._journals[0]
                if len(self._journals) == 1:
                    journal.clear()  # the file new lines go to: kept, emptied
                    return
                journal.close(keep=False)
                self._journals.pop(0)

    def _replay(self, directory: Path) -> None:
        """Store what processes that died had journaled and not committed; drop their journals."""
        for path, rows in orphaned_rows(directory):
            with self.db.reading() as session:
                stored = set(session.scalars(select(Exchange.uid).where(Exchange.uid.in_([r.get("uid") for r in rows]))))
            missing = [r for r in rows if r.get("uid") not in stored]
            if missing:
                logger.warning("replaying %d exchange records journaled by a process that died (%s)",
                               len(missing), path.name)
                for chunk in range(0, len(missing), self.BATCH):
                    self._store([(row, None) for row in missing[chunk:chunk + self.BATCH]])
            if not self._kept:
                path.unlink(missing_ok=True)

    def flush(self) -> None:
        """Wait until everything queued so far is written."""
        self._now.set()
        try:
            self._queue.join()
        finally:
            self._now.clear()

    def close(self) -> None:
        self._now.set()
        self._queue.put(None)
        self._writer.join(timeout=30)
        with self._lock:
            for journal, _ in self._journals:
                journal.close(keep=self._kept or self._writer.is_alive())
            self._journals.clear()

    def query(
        self,
        *,
        operation: str | None = None,
        institution: str | None = None,
        verdict: str | None = None,
        family: str | None = None,
        uid: str | None = None,
        direction: str | None = None,
        party: str | None = None,
        transport: str | None = None,
        rule: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before: int | None = None,
        after: int | None = None,
        limit: int = 50,
        bodies: bool = True,
    ) -> list[dict[str, Any]]:
        """Newest first; ``before`` / ``after`` (record ids) page past the newest ``limit``; without
        ``bodies``, request and response are summarised (size, media type, injected fault)."""
        self.flush()
        stmt = select(Exchange).order_by(Exchange.id.desc()).limit(limit)
        for column, value in (
            (Exchange.uid, uid),
            (Exchange.direction, direction),
            (Exchange.operation, operation),
            (Exchange.institution, institution),
            (Exchange.verdict, verdict),
            (Exchange.family, family),
            (Exchange.party, party),
            (Exchange.transport, transport),
        ):
            if value:
                stmt = stmt.where(column == value)
        if rule:  # the id as a JSON string inside the findings (both backends write it so)
            stmt = stmt.where(cast(Exchange.findings, Text).like(f'%"{_like(rule)}"%', escape="\\"))
        if since is not None:
            stmt = stmt.where(Exchange.time >= since)
        if until is not None:
            stmt = stmt.where(Exchange.time <= until)
        if before is not None:
            stmt = stmt.where(Exchange.id < before)
        if after is not None:
            stmt = stmt.where(Exchange.id > after)
        with self.db.reading() as session:
            return [_as_dict(row, bodies) for row in session.scalars(stmt)]

    def mentioning(self, values: list[str], *, after: int, limit: int = 50) -> list[dict[str, Any]]:
        """Later exchanges whose request or response carries one of ``values`` (identifiers such as
        a hiImgIndx or a Study Instance UID), oldest first, bodies summarised: what an exchange led to."""
        wanted = [v for v in values if isinstance(v, str) and len(v) >= 8][:8]
        if not wanted:
            return []
        self.flush()
        texts = (cast(Exchange.request, Text), cast(Exchange.response, Text))
        match = or_(*(t.like(f"%{_like(v)}%", escape="\\") for v in wanted for t in texts))
        stmt = select(Exchange).where(Exchange.id > after, match).order_by(Exchange.id).limit(limit)
        with self.db.reading() as session:
            return [_as_dict(row, False) for row in session.scalars(stmt)]

    def delete(self, *, institution: str) -> int:
        """Forget one tenant's exchanges (``POST /_sandbox/tenants/{code}/reset``); how many."""
        self.flush()
        with self.db.transaction() as conn:
            return int(conn.execute(sa_delete(Exchange).where(Exchange.institution == institution)).rowcount or 0)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _summary(part: Any) -> dict[str, Any]:
    if not isinstance(part, dict):
        return {}
    return {k: part[k] for k in ("size", "media_type", "fault", "status", "result") if k in part}


def _as_dict(row: Exchange, bodies: bool = True) -> dict[str, Any]:
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
        "request": row.request if bodies else _summary(row.request),
        "response": row.response if bodies else _summary(row.response),
    }
