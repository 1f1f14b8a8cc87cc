"""The sandbox's facts about itself, by key (table ``sandbox_state``): e.g. ``demo_world``, the
demo data seeded on first start, whose status ``/_sandbox/health`` shows."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from .db import Database, insert_ignore
from .models import SandboxState

DEMO_WORLD = "demo_world"


def read_state(db: Database, key: str) -> dict[str, Any] | None:
    with db.reading() as session:
        row = session.get(SandboxState, key)
        return dict(row.value) if row is not None else None


def write_state(db: Database, key: str, value: dict[str, Any], now: datetime) -> None:
    with db.session() as session:
        row = session.get(SandboxState, key)
        if row is None:
            session.add(SandboxState(key=key, value=value, updated_at=now))
        else:
            row.value, row.updated_at = value, now


def next_count(db: Database, key: str, now: datetime, *, attempts: int = 5) -> int:
    """``key``'s counter plus one, atomically across processes (the row locked while it is
    read and written; SQLite: the one writer), e.g. the n-th exchange a fault matched.

    The row is locked first and created only when missing: on MariaDB an ``INSERT IGNORE`` of a
    row that exists takes a shared lock, and two of them then deadlock on ``FOR UPDATE``; the
    race of two first calls can still deadlock there, so a deadlock is retried."""
    for attempt in range(attempts):
        try:
            return _increment(db, key, now)
        except OperationalError as exc:
            if attempt == attempts - 1 or "deadlock" not in str(exc.orig).lower():
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _increment(db: Database, key: str, now: datetime) -> int:
    locked = select(SandboxState).where(SandboxState.key == key).with_for_update()
    with db.session() as session:
        row = session.execute(locked).scalar_one_or_none()
        if row is None:
            insert_ignore(session, SandboxState, {"key": key, "value": {"n": 0}, "updated_at": now})
            row = session.execute(locked.execution_options(populate_existing=True)).scalar_one()
        count = int((row.value or {}).get("n", 0)) + 1
        row.value, row.updated_at = {"n": count}, now
        return count


def forget(db: Database, keys: list[str]) -> None:
    """Delete the state rows of ``keys`` (e.g. counters that start afresh)."""
    if keys:
        with db.session() as session:
            session.execute(delete(SandboxState).where(SandboxState.key.in_(keys)))
