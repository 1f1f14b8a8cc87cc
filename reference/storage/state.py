"""The sandbox's facts about itself, by key (table ``sandbox_state``): e.g. ``demo_world``, the
demo data seeded on first start, whose status ``/_sandbox/health`` shows."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from .db import Database
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
