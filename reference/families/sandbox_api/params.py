"""Query parameters the sandbox's own operations share."""
from __future__ import annotations

from datetime import datetime

from reference.clock import CHINA
from reference.errors import NativeError
from reference.rules import RULES


def when(text: str | None, name: str) -> datetime | None:
    """An ISO time parameter (``2026-12-01T10:00``, ``2026-12-01 10:00:00``), or HTTP-PARAMETER."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise NativeError([RULES.finding("HTTP-PARAMETER", detail=f"{name}: not an ISO time ({text[:40]})")]) from exc
    return value.astimezone(CHINA).replace(tzinfo=None) if value.tzinfo else value  # the log's clock: China time

from .console import console, consoleExchange, consoleRoot, exchangeBody, favicon  # noqa: E402,F401
from .report import conformanceReport  # noqa: E402,F401
from .runtime_ops import addFault, clearFaults, faultsList, partiesList, resetTenant, setParty  # noqa: E402,F401
