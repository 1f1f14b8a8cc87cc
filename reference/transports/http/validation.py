"""A Connexion request-body validator that reports instead of refusing.

Connexion's own JSON validator stops at the first schema error with problem+json.  Ours
(registered for ``application/json``) parses the body, identifies the sending
institution from the spec's ``x-imgcloud-institution`` key to pick its validation mode
and field profile, and hands the whole inspection (drift undone, every schema error as
a named finding) to the handler through the request context.  Only a body that is not
JSON at all is refused here.
"""
from __future__ import annotations

import json
from typing import Any

from connexion.validators import JSONRequestBodyValidator
from starlette.datastructures import Headers
from starlette.types import Scope

from reference.config import Config
from reference.errors import NativeError
from reference.rules import RULES
from reference.validation import BodyReport, inspect_body

REPORT_KEY = "imgcloud.body"


def _peek(body: Any, key: str | None) -> str | None:
    """The value of ``key`` in a top-level object, tolerating stray spaces (before normalising)."""
    if not key or not isinstance(body, dict):
        return None
    for name, value in body.items():
        if isinstance(name, str) and name.strip() == key and isinstance(value, str):
            return value.strip()
    return None


def report_from(scope: Scope) -> BodyReport | None:
    return scope.get("extensions", {}).get("connexion_context", {}).get(REPORT_KEY)


def make_body_validator(config: Config) -> type[JSONRequestBodyValidator]:
    """A validator class bound to this sandbox's config (modes and profiles per institution)."""

    class ReportingBodyValidator(JSONRequestBodyValidator):
        MUTABLE_VALIDATION = True

        async def wrap_receive(self, receive, *, scope: Scope):
            if not int(Headers(scope=scope).get("content-length") or 1):  # before Connexion's own refusal
                raise NativeError([RULES.finding("HTTP-EMPTY-BODY")])
            return await super().wrap_receive(receive, scope=scope)

        async def _parse(self, stream, scope: Scope) -> Any:
            self._scope = scope
            raw = b"".join([chunk async for chunk in stream])
            if not raw.strip():
                raise NativeError([RULES.finding("HTTP-EMPTY-BODY")])
            try:
                return json.loads(raw.decode(self._encoding))
            except (UnicodeDecodeError, ValueError) as exc:
                raise NativeError([RULES.finding("HTTP-JSON", detail=str(exc))]) from None

        def _validate(self, body: Any) -> None:
            code = _peek(body, self._schema.get("x-imgcloud-institution"))
            inst = config.institution(code) if code else None
            routing = self._scope.get("extensions", {}).get("connexion_routing", {})
            report = inspect_body(
                body,
                self._schema,
                operation=(routing.get("operation_id") or "").rpartition(".")[2],
                mode=config.mode_for(code),
                profile=inst.profile if inst else "default",
            )
            context = self._scope.setdefault("extensions", {}).setdefault("connexion_context", {})
            context[REPORT_KEY] = report

    return ReportingBodyValidator
