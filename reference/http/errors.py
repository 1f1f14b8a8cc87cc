"""Exceptions become native error replies in exactly one place (per transport).

Whatever goes wrong — Connexion's own problems (wrong content type, bad parameter,
unknown path), a handler's ``NativeError``, or a bug — ends as the family's own error
body with named findings, never problem+json and never a stack trace.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from connexion.exceptions import ProblemException, UnsupportedMediaTypeProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from reference.families import Family, family_for_path
from reference.rules import RULES, Finding

logger = logging.getLogger("imgcloud.http")


class NativeError(Exception):
    """Reject the whole request with these findings in the family's error envelope."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__("; ".join(f.text() for f in findings))
        self.findings = list(findings)


def _context(request: ConnexionRequest) -> dict[str, Any]:
    return request.scope.setdefault("extensions", {}).setdefault("connexion_context", {})


def _findings_for(request: ConnexionRequest, exc: Exception) -> list[Finding]:
    if isinstance(exc, NativeError):
        return exc.findings
    method, url = request.method, request.url.path
    if isinstance(exc, UnsupportedMediaTypeProblem):
        actual = request.headers.get("content-type", "(none)")
        return [RULES.finding("HTTP-CONTENT-TYPE", expected="application/json", actual=actual)]
    status = exc.status if isinstance(exc, ProblemException) else getattr(exc, "status_code", 500)
    if status == 404:
        return [RULES.finding("HTTP-NOT-FOUND", method=method, url=url)]
    if status == 405:
        return [RULES.finding("HTTP-METHOD", method=method)]
    if isinstance(exc, (ProblemException, HTTPException)) and status < 500:
        detail = str(getattr(exc, "detail", None) or exc).strip().splitlines()[0]  # not the schema dump
        return [RULES.finding("HTTP-PARAMETER", detail=detail)]
    logger.exception("unhandled error serving %s %s", method, url, exc_info=exc)
    return [RULES.finding("SANDBOX-INTERNAL", error=type(exc).__name__)]


def make_error_handler(families: Sequence[Family], fallback: Family):  # type: ignore[no-untyped-def]
    def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        findings = _findings_for(request, exc)
        family = family_for_path(request.url.path, families) or fallback
        status, body = family.error(findings)
        draft = _context(request).get("exchange")
        if draft is not None:
            draft.add(findings)
            if any(f.rule == "SANDBOX-INTERNAL" for f in findings):
                draft.verdict = "error"
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return ConnexionResponse(status_code=status, body=payload, mimetype="application/json")

    return handle
