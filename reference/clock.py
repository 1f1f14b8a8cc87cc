"""An injectable clock, so tests cover expiry and day boundaries without sleeping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

#: The documents' times are Beijing time (UTC+8) without an offset.
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


class Clock:
    """Wall clock in China time; naive datetimes are China local time."""

    def now(self) -> datetime:
        return datetime.now(CHINA).replace(tzinfo=None)


class FrozenClock(Clock):
    """A clock that only moves when told to (tests, replayed scenarios)."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)
