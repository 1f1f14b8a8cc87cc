"""msgid idempotency (INTERFACES.md §1): a processed msgid is remembered with its response.

The same msgid with an identical body replays the stored response; with a different
body it is rejected.  The digest covers the normalised body, so a resend that differs
only in key order or whitespace is still identical.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select
from sqlalchemy.orm import Session

from reference.rules import RULES, Finding
from reference.storage.models import Message
from reference.storage.raw import Raw

_MESSAGES = cast(Table, Message.__table__)
# Core statements, built once (their compiled form is cached): an ORM ``get`` and ``add`` cost the
# identity map, a flush and object state per request for one row read and one row written.
_PREVIOUS = select(_MESSAGES.c.body_sha256, _MESSAGES.c.operation, _MESSAGES.c.response,
                   _MESSAGES.c.created_at).where(_MESSAGES.c.msgid == bindparam("id"))
_REMEMBER = insert(_MESSAGES)
_SEEN = ("body_sha256", "operation", "response", "created_at")


def body_digest(body: Any) -> str:
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _connection(unit: Session | Connection) -> Connection:
    """The unit of work's connection: a Core one as it is, an ORM session's."""
    return unit.connection() if isinstance(unit, Session) else unit


def previous(unit: Session | Connection, msgid: str, digest: str,
             operation: str) -> tuple[dict[str, Any] | None, Finding | None]:
    """``(stored response, replay finding)``; raises nothing, returns a conflict finding instead."""
    conn = _connection(unit)
    raw = Raw.of(conn, _MESSAGES)
    if raw is not None:  # SQLite: the same statement on its own connection (reference.storage.raw)
        found = raw.select(_SEEN, "msgid", [msgid])
        seen = found[0] if found else None
    else:
        seen = conn.execute(_PREVIOUS, {"id": msgid}).first()
    if seen is None:
        return None, None
    sha, stored_operation, response, created_at = seen
    when = created_at.isoformat(sep=" ", timespec="seconds")
    if sha == digest and stored_operation == operation:
        return response, RULES.finding("NIDX-MSGID-REPLAY", msgid=msgid, when=when)
    return None, RULES.finding("NIDX-MSGID-CONFLICT", msgid=msgid, when=when)


def remember(unit: Session | Connection, *, msgid: str, inf_code: str, operation: str, digest: str,
             response: dict[str, Any], now: datetime) -> None:
    """Written at once, in the caller's transaction: a concurrent same msgid fails here (IntegrityError)."""
    values = {"msgid": msgid, "inf_code": inf_code, "operation": operation, "body_sha256": digest,
              "response": response, "created_at": now}
    conn = _connection(unit)
    raw = Raw.of(conn, _MESSAGES)
    if raw is not None:
        raw.insert(values)
    else:
        conn.execute(_REMEMBER, values)
