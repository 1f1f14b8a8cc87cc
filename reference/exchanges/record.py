"""What one exchange record holds while it is being made: the draft a handler fills in, and
bodies as the log keeps them (whole when small, else size + sha256 + head)."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from reference.rules import Finding

from .masking import mask

DIRECTIONS = ("inbound", "outbound")
TRANSPORTS = ("http", "dicom", "soap", "sql")  # each with its verdict table (verdicts.py)


def body_record(data: bytes, media_type: str | None, *, limit: int, head: int) -> dict[str, Any]:
    """A body as the log keeps it: whole when small, else size + sha256 + head."""
    record: dict[str, Any] = {"size": len(data), "media_type": media_type}
    if len(data) <= limit:
        record.update(_content(data, media_type))
        return record
    record["sha256"] = hashlib.sha256(data).hexdigest()
    record["truncated"] = True
    record["head"] = head_text(data[:head])
    return record


def head_text(data: bytes) -> str:
    """A body's head as text (every head of a body record is made here): undecodable bytes replaced,
    and each NUL written as the log stores it (``log.storable``: the six characters ``\\u0000``).  A
    DICOM file's head is 128 NULs (its preamble): kept as they were, they sent every record of a
    served instance (WADO, a fetched file) down the log's slow path, its bodies parsed again and
    walked (~13 % of a WADO request's time holding the GIL)."""
    text = data.decode("utf-8", errors="replace")
    return text.replace("\x00", "\\u0000") if "\x00" in text else text


#: What ``json.dumps`` (ASCII) writes for a character ``log.storable`` escapes: a surrogate or NUL.
_SUSPECT = re.compile(r"\\u(?:d[89a-f][0-9a-f]{2}|0000)")


def suspect(line: str) -> bool:
    """Whether a record's journal line (or a JSON value in it) holds a character ``log.storable``
    escapes; when it does not, the record is storable as it is, without walking it.  Only a real
    escape counts: an escaped backslash followed by ``u0000`` is text — a binary body's head, its
    NULs written so by ``body_record``.

    JSON's escapes read left to right from each backslash, ``\\\\`` the only one whose second
    character is a backslash.  A line without a backslash is not suspect (one ``memchr``); a long line's
    first few escapes are read so, each backslash found by a ``memchr`` (issue 12: a pulled file's
    reply, 47 KB of base64 after a ``"成功"``, was read at ~3 ns a character by the searches below:
    ~0.15 ms an image, twice); a short line, or one with more escapes (Chinese text), drops its
    escaped backslashes and searches the pattern (a lookbehind in the pattern cost 100x its literal
    search on a 40 KB body; reading escapes one by one ~0.8 us each, 9x the search on a save's row)."""
    at = line.find("\\")
    if at < 0:
        return False
    for _ in range(_FEW if len(line) >= _LONG_LINE else 0):
        if at < 0:
            return False
        if _SUSPECT.match(line, at):
            return True
        at = line.find("\\", at + 2)  # past this escape's backslash and its letter (or the second backslash)
    if "\\\\" in line:
        line = line.replace("\\\\", "")
    return _SUSPECT.search(line) is not None


#: Escapes ``suspect`` reads one by one in a line this long before it searches the whole line.
_FEW, _LONG_LINE = 8, 4096


class Sealed(dict[str, Any]):
    """A body record kept for a body sent again byte for byte (a ``queryImgCahe`` file, known by
    its digest; a small request repeated): masked once with ``fields`` (``None``: not masked) and
    serialised once as ``text`` (``json.dumps``), so each exchange sending it refers to this record
    instead of masking and serialising the same body or ~1 KB head anew (issue 12).  ``source`` is
    the record as it was, for a record that must be masked otherwise or changed (an injected fault's
    mark).  Never changed once made: many records share it."""

    __slots__ = ("clean", "fields", "source", "text")

    def __init__(self, record: dict[str, Any], fields: frozenset[str] | None) -> None:
        kept = mask(record, fields) if fields is not None else record
        super().__init__(kept)
        self.fields, self.source, self.text = fields, record, json.dumps(kept)
        self.clean = not suspect(self.text)  # storable as it is (the log's check of a journal line)


class Serialized:
    """A body record as the log stores it, already masked and serialised where it was masked
    (``masking.mask_json``): the log's writer neither walks nor serialises it again."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def value(self) -> Any:
        return json.loads(self.text)


def _content(data: bytes, media_type: str | None) -> dict[str, Any]:
    if not data:
        return {"body": None}
    if media_type and "json" in media_type:
        try:
            return {"json": json.loads(data)}
        except (ValueError, RecursionError):  # kept as text: not JSON, or nested past the parser's depth
            pass
    try:
        return {"body": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


class _Uids:
    """Version-7 UUIDs (RFC 9562, as hex): the Unix time in milliseconds, then random bits read from
    ``os.urandom`` 256 uids at a time (where a system call is dear, sandboxed kernels: ~0.1 ms, one
    per request showed in the hot path's profile, issue 12).  Time-ordered for the exchange log's
    unique index on ``uid``: a random (version-4) uid lands anywhere in that b-tree, so every insert
    touches a page of its own, and once the index outgrows the database's page cache, reads one —
    400,000 rows into the exchanges table with its six indexes took SQLite 89 µs a row with
    version-4 uids, 29 µs with these (``docs/performance.md``, fourteenth sitting).  74 random bits
    a uid keep it unguessable; refilled in a forked child, so workers never share bytes."""

    RANDOM = 10  # bytes a uid (of which 74 bits stay random once the version and variant are set)
    SIZE = RANDOM * 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid, self._buffer, self._at = -1, b"", 0

    def __call__(self) -> str:
        millis = time.time_ns() // 1_000_000
        with self._lock:
            if self._pid != os.getpid() or self._at >= len(self._buffer):
                self._pid, self._buffer, self._at = os.getpid(), os.urandom(self.SIZE), 0
            buffer, at = self._buffer, self._at  # both under the lock: a refill replaces the buffer
            self._at = at + self.RANDOM
        chunk = bytearray(millis.to_bytes(6, "big") + buffer[at:at + self.RANDOM])
        chunk[6] = (chunk[6] & 0x0F) | 0x70  # version 7
        chunk[8] = (chunk[8] & 0x3F) | 0x80  # RFC 9562 variant
        return chunk.hex()


new_uid = _Uids()


@dataclass
class ExchangeDraft:
    """What a handler learns about an exchange while serving it; the recorder saves it."""

    direction: str = "inbound"
    transport: str = "http"
    uid: str = field(default_factory=lambda: new_uid())
    party: str | None = None
    family: str | None = None
    operation: str | None = None
    institution: str | None = None
    findings: list[Finding] = field(default_factory=list)
    #: ``(sha256, size)`` of a response body the handler already knows (prebuilt replies)
    response_digest: tuple[str, int] | None = None
    #: the fault the sandbox injected into this exchange (``reference.runtime.Fault.mark``), if any
    fault: dict[str, Any] | None = None
    #: a multipart upload as the handler read it — its text fields, and each file's name, type, size
    #: and sha256 — logged as the request's ``form`` (record and replay resends it)
    form: dict[str, Any] | None = None

    def add(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)
