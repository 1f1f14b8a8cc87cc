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

from sqlalchemy import Connection, Table
from sqlalchemy.orm import Session

from reference.rules import RULES, Finding
from reference.storage import raw as statements
from reference.storage.models import Message

_MESSAGES = cast(Table, Message.__table__)
# One read and one write (``reference.storage.raw``: on SQLite's own connection, else Core built
# once): an ORM ``get`` and ``add`` cost the identity map, a flush and object state per request.
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
    found, _ = statements.select(_connection(unit), _MESSAGES, _SEEN, "msgid", [msgid])
    if not found:
        return None, None
    sha, stored_operation, response, created_at = found[0]
    when = created_at.isoformat(sep=" ", timespec="seconds")
    if sha == digest and stored_operation == operation:
        return response, RULES.finding("NIDX-MSGID-REPLAY", msgid=msgid, when=when)
    return None, RULES.finding("NIDX-MSGID-CONFLICT", msgid=msgid, when=when)


def remember(unit: Session | Connection, *, msgid: str, inf_code: str, operation: str, digest: str,
             response: dict[str, Any], now: datetime) -> None:
    """Written at once, in the caller's transaction: a concurrent same msgid fails here (IntegrityError)."""
    values = {"msgid": msgid, "inf_code": inf_code, "operation": operation, "body_sha256": digest,
              "response": response, "created_at": now}
    statements.insert(_connection(unit), _MESSAGES, values)
