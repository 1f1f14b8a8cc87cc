"""Handlers of ``openapi/sandbox.yaml`` that belong to no party, named after their operationId."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy.engine import make_url

from reference import __version__
from reference.families import all_families


def health() -> dict[str, Any]:
    sandbox = context["sandbox"]
    return {
        "status": "ok",
        "version": __version__,
        "families": [f.name for f in all_families() if (f.contract or f.wsdl) and not f.fallback],
        "storage": make_url(sandbox.config.storage_url).get_backend_name(),
    }


def exchanges(
    operation: str | None = None,
    institution: str | None = None,
    family: str | None = None,
    verdict: str | None = None,
    uid: str | None = None,
    direction: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    return context["sandbox"].exchanges.query(
        operation=operation, institution=institution, family=family, verdict=verdict, uid=uid,
        direction=direction, limit=limit,
    )
