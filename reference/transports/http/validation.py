"""A Connexion request-body validator that reports instead of refusing.

Connexion's own JSON validator stops at the first schema error with problem+json.  Ours
(registered for ``application/json``) parses the body, identifies the sending
institution from the spec's ``x-imgcloud-institution`` key to pick its validation mode
and field profile, and hands the whole inspection (drift undone, every schema error as
a named finding) to the handler through the request context.  Only what is not a JSON
request body at all is refused here, natively and at once: empty, not JSON, ``null``,
larger than ``limits.body_bytes``, nested deeper than ``limits.json_depth``.

What one request may cost is bounded before the deep inspection: the body's size, its depth,
and the seeds' own limit on a row node's text (``x-imgcloud-max-json-length``, 40,000
characters) — an over-limit node is answered with its finding without inspecting every row.
Inspecting a large body runs in a worker thread, never on the event loop.
"""
from __future__ import annotations

import codecs
import json
import sys
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
from connexion.validators import JSONRequestBodyValidator
from starlette.types import Receive, Scope

from reference.config import Config
from reference.errors import NativeError
from reference.rules import RULES, Finding
from reference.transports.http.rawheaders import header
from reference.validation import BodyReport, inspect_body, rows_nodes_of
from reference.validation.keywords import out_of_reach

REPORT_KEY = "imgcloud.body"
#: Bodies larger than this are inspected in a worker thread (smaller ones cost less than the hop).
THREAD_ABOVE = 16 * 1024


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


def too_deep(body: Any, limit: int) -> bool:
    """Whether arrays/objects nest deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


#: Encodings in which ``[`` and ``{`` are always the bytes ``[`` and ``{`` (a multi-byte character
#: never hides one; a byte that is not one of them may still be counted: only ever more).
_ASCII_BRACKETS = frozenset({"utf-8", "ascii"})


def _brackets(raw: bytes, encoding: str) -> int:
    """An upper bound of ``raw``'s nesting depth: its opening brackets (each level needs one), so a
    body with no more than ``limits.json_depth`` of them is not walked by ``too_deep``; in another
    encoding, a number over any limit."""
    try:
        ascii_brackets = codecs.lookup(encoding).name in _ASCII_BRACKETS
    except LookupError:
        ascii_brackets = False
    return raw.count(b"[") + raw.count(b"{") if ascii_brackets else sys.maxsize


def _over_json_length(body: Any, schema: dict[str, Any], sent: int) -> list[Finding]:
    """A node over its ``x-imgcloud-max-json-length`` (the seeds' 字符型 40000): its finding
    alone, so the envelope is refused without inspecting every row of an oversized node.  A body of
    ``sent`` bytes too short for any node to reach the limit (``JSON_GROWTH``) is not serialised."""
    if not isinstance(body, dict):
        return []
    for name, sub in (schema.get("properties") or {}).items():
        limit = sub.get("x-imgcloud-max-json-length") if isinstance(sub, dict) else None
        if not limit or out_of_reach(sent, limit):
            continue
        node = next((v for k, v in body.items() if isinstance(k, str) and k.strip() == name), None)
        if isinstance(node, (list, dict)):
            length = len(json.dumps(node, ensure_ascii=False, separators=(",", ":")))
            if length > limit:
                return [RULES.finding("SCHEMA-MAXLENGTH", path=name, length=length, limit=limit)]
    return []


def _has_body(scope: Scope) -> bool:
    raw = scope["headers"]
    if "chunked" in (header(raw, b"transfer-encoding") or "").lower():
        return True
    try:
        return int(header(raw, b"content-length") or 0) > 0
    except ValueError:
        return False


def make_body_validator(config: Config) -> type[JSONRequestBodyValidator]:
    """A validator class bound to this sandbox's config (modes, profiles and limits)."""
    limits = config.limits

    class ReportingBodyValidator(JSONRequestBodyValidator):
        MUTABLE_VALIDATION = True

        async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
            """Connexion's ``wrap_receive`` with every refusal native and the body bounded."""
            report = await self.report(receive, scope)
            return self._insert_body(receive, body=report.body, scope=scope)

        async def report(self, receive: Receive, scope: Scope) -> BodyReport:
            """The body read, judged and placed in the request context (``REPORT_KEY``); the fast
            lane (``fastlane.py``) calls this directly, Connexion through ``wrap_receive``."""
            self._scope = scope
            if not _has_body(scope):
                raise NativeError([RULES.finding("HTTP-EMPTY-BODY")])
            raw = await self._read(receive)
            body = self._decode(raw)
            over = _over_json_length(body, self._schema, len(raw))
            if over:
                report = self._refused(body, over)
            else:
                if len(raw) > THREAD_ABOVE:
                    report = await anyio.to_thread.run_sync(self._inspect, body, len(raw))
                else:
                    report = self._inspect(body, len(raw))
            scope.setdefault("extensions", {}).setdefault("connexion_context", {})[REPORT_KEY] = report
            return report

        async def _read(self, receive: Receive) -> bytes:
            """The whole body, refused natively as soon as it passes ``limits.body_bytes``."""
            parts, size, more = [], 0, True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limits.body_bytes:
                    raise NativeError([RULES.finding("HTTP-BODY-TOO-LARGE", size=f">{limits.body_bytes}",
                                                     limit=limits.body_bytes)])
                parts.append(chunk)
                more = message.get("more_body", False)
            return b"".join(parts)

        def _decode(self, raw: bytes) -> Any:
            if not raw.strip():
                raise NativeError([RULES.finding("HTTP-EMPTY-BODY")])
            try:
                body = json.loads(raw.decode(self._encoding))
            except (UnicodeDecodeError, ValueError) as exc:
                raise NativeError([RULES.finding("HTTP-JSON", detail=str(exc))]) from None
            except RecursionError:
                raise NativeError([RULES.finding("HTTP-JSON-DEPTH", limit=limits.json_depth)]) from None
            if body is None:
                raise NativeError([RULES.finding("HTTP-JSON-NULL")])
            if _brackets(raw, self._encoding) > limits.json_depth and too_deep(body, limits.json_depth):
                raise NativeError([RULES.finding("HTTP-JSON-DEPTH", limit=limits.json_depth)])
            return body

        def _refused(self, body: Any, findings: list[Finding]) -> BodyReport:
            code = _peek(body, self._schema.get("x-imgcloud-institution"))
            inst = config.institution(code) if code else None
            return BodyReport(body=body, findings=findings, rows_nodes=rows_nodes_of(self._schema),
                              mode=config.mode_for(code), profile=inst.profile if inst else "default")

        def _inspect(self, body: Any, sent: int) -> BodyReport:
            code = _peek(body, self._schema.get("x-imgcloud-institution"))
            inst = config.institution(code) if code else None
            routing = self._scope.get("extensions", {}).get("connexion_routing", {})
            return inspect_body(
                body,
                self._schema,
                operation=(routing.get("operation_id") or "").rpartition(".")[2],
                mode=config.mode_for(code),
                profile=inst.profile if inst else "default",
                sent=sent,
            )

        async def _parse(self, stream: AsyncIterator[bytes], scope: Scope) -> Any:  # not used: wrap_receive reads
            raise NotImplementedError

    return ReportingBodyValidator
