"""Handlers of ``openapi/sandbox.yaml`` that belong to no party, named after their operationId."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy.engine import make_url

from reference import __version__
from reference.families import all_families
from reference.storage.state import DEMO_WORLD, read_state
from reference.training.handlers import (  # noqa: F401  (the training mode's operations, served by this family)
    tourIndexPage,
    tourLessonPage,
    tourLessons,
    tourProgress,
    tourStart,
    tourTrainees,
)

from .console import console, consoleExchange, consoleRoot, exchangeBody, favicon, nearMisses  # noqa: F401  (issue 13)
from .params import when
from .report import conformanceReport  # noqa: F401
from .runtime_ops import addFault, clearFaults, faultsList, partiesList, resetTenant, setParty  # noqa: F401


def health() -> dict[str, Any]:
    sandbox = context["sandbox"]
    return {
        "status": "ok",
        "version": __version__,
        "families": [f.name for f in all_families() if (f.contract or f.wsdl) and not f.fallback],
        "storage": make_url(sandbox.config.storage_url).get_backend_name(),
        "demo": demo_status(sandbox),
    }


def demo_status(sandbox: Any) -> dict[str, Any]:
    """The demo world seeded on first start: its status and how far it got (issue 14)."""
    state = read_state(sandbox.db, DEMO_WORLD) or {"status": "none"}
    steps = state.get("steps") or []
    return {"status": state.get("status", "none"), "done": len(state.get("done") or []), "total": len(steps),
            **({"reason": state["reason"]} if state.get("reason") else {})}


def exchanges(
    operation: str | None = None,
    institution: str | None = None,
    family: str | None = None,
    verdict: str | None = None,
    uid: str | None = None,
    direction: str | None = None,
    party: str | None = None,
    transport: str | None = None,
    rule: str | None = None,
    since: str | None = None,
    until: str | None = None,
    before: int | None = None,
    after: int | None = None,
    bodies: str = "full",
    limit: int = 50,
) -> list[dict[str, Any]]:
    return context["sandbox"].exchanges.query(
        operation=operation, institution=institution, family=family, verdict=verdict, uid=uid,
        direction=direction, party=party, transport=transport, rule=rule, since=when(since, "since"),
        until=when(until, "until"), before=before, after=after, limit=limit, bodies=bodies != "none",
    )


def home() -> Any:
    """The home page (``home.py``)."""
    from .home import home as page

    return page()
