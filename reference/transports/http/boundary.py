"""The HTTP transport's one error boundary: every exception becomes a native reply here.

Whatever goes wrong — Connexion's own problems (wrong content type, bad parameter, unknown
path), a handler's ``NativeError``, or a bug — ends as the family's own error reply with
named findings, never problem+json and never a stack trace: the family's JSON envelope
(with the HTTP status its reply builder chooses — the provincial cloud mirrors its codes when
configured), or, for a page a browser opens, an HTML page with a 4xx/5xx status.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from connexion.exceptions import ProblemException, UnsupportedMediaTypeProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from reference.errors import NativeError
from reference.families import FamilyRouter
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.db import is_busy
from reference.transports.http.specs import JoinedSpec
from reference.viewer import error_page

logger = logging.getLogger("imgcloud.http")


def findings_for(request: ConnexionRequest, exc: Exception) -> list[Finding]:
    """What the exception means, as findings."""
    if isinstance(exc, NativeError):
        return exc.findings
    method, url = request.method, request.url.path
    if isinstance(exc, UnsupportedMediaTypeProblem):
        actual = request.headers.get("content-type", "(none)")
        return [RULES.finding("HTTP-CONTENT-TYPE", expected="application/json", actual=actual)]
    status = exc.status if isinstance(exc, ProblemException) else getattr(exc, "status_code", 500)
    if is_busy(exc):
        logger.warning("busy serving %s %s: %s", method, url, exc)
        return [RULES.finding("SANDBOX-BUSY", detail=type(exc).__name__)]
    if status == 404:
        return [RULES.finding("HTTP-NOT-FOUND", method=method, url=url)]
    if status == 405:
        return [RULES.finding("HTTP-METHOD", method=method)]
    if isinstance(exc, (ProblemException, HTTPException)) and status < 500:
        detail = str(getattr(exc, "detail", None) or exc).strip().splitlines()[0]  # not the schema dump
        return [RULES.finding("HTTP-PARAMETER", detail=detail)]
    logger.exception("unhandled error serving %s %s", method, url, exc_info=exc)
    return [RULES.finding("SANDBOX-INTERNAL", error=type(exc).__name__)]


def _context(request: ConnexionRequest) -> dict[str, Any]:
    return request.scope.setdefault("extensions", {}).setdefault("connexion_context", {})


def make_boundary(sandbox: Sandbox, router: FamilyRouter,
                  joined: JoinedSpec) -> Callable[[ConnexionRequest, Exception], ConnexionResponse]:
    """The error handler Connexion calls for every exception."""

    def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        findings = findings_for(request, exc)
        draft = _context(request).get("exchange")
        if draft is not None:
            draft.add(findings)
        operation = request.scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")
        if joined.is_page(operation, request.scope["path"]):
            status = RULES.http_status(findings)
            return ConnexionResponse(status_code=status, body=error_page(findings, status).encode("utf-8"),
                                     content_type="text/html; charset=utf-8")
        family = router(request.scope["path"])
        status, body = family.error(findings, sandbox.config)
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return ConnexionResponse(status_code=status, body=payload, content_type=family.media_type)

    return handle
