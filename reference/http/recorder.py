"""ASGI middleware recording every exchange a simulated party serves.

It wraps the whole Connexion app: the request and response bytes are captured as they
pass (large bodies hashed incrementally, never held twice), and what the handler learnt
(family, operation, institution, findings) comes back through the ``ExchangeDraft`` it
placed in the request context.  The record is written after the response is sent.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference.exchanges import ExchangeDraft, body_record
from reference.families import Family, family_for_path
from reference.sandbox import Sandbox

UNRECORDED_PREFIXES = ("/_sandbox",)
#: Response header naming the exchange record, so a caller can fetch its findings.
EXCHANGE_HEADER = b"x-imgcloud-exchange"


class _Capture:
    """The first ``limit + 1`` bytes of a stream, its size and its sha256."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.size = 0
        self.sha: Any = hashlib.sha256()
        self.known: tuple[str, int] | None = None

    def know(self, digest: tuple[str, int] | None) -> None:
        """The body's digest is already known: stop hashing it."""
        if digest is not None:
            self.known, self.sha = digest, None

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.sha is not None:
            self.sha.update(chunk)
        room = self.limit + 1 - len(self.kept)
        if room > 0:
            self.kept.extend(chunk[:room])

    def record(self, media_type: str | None, head: int) -> dict[str, Any]:
        if self.size <= self.limit:
            return body_record(bytes(self.kept), media_type, limit=self.limit, head=head)
        return {
            "size": self.size,
            "media_type": media_type,
            "sha256": self.known[0] if self.known else self.sha.hexdigest(),
            "truncated": True,
            "head": bytes(self.kept[:head]).decode("utf-8", errors="replace"),
        }


class ExchangeRecorder:
    def __init__(self, app: ASGIApp, sandbox: Sandbox, families: Sequence[Family]) -> None:
        self.app = app
        self.sandbox = sandbox
        self.families = families

    def _recorded(self, path: str) -> bool:
        return not path.startswith(UNRECORDED_PREFIXES) and not path.endswith(("/ui", "/ui/", "openapi.json"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        family = family_for_path(scope["path"], self.families)
        context = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
        context["sandbox"] = self.sandbox
        if not self._recorded(scope["path"]):
            await self.app(scope, receive, send)
            return
        draft = ExchangeDraft(family=family.name if family else None, party=family.party if family else None)
        context["exchange"] = draft
        await self._serve_and_record(scope, receive, send, draft)

    async def _serve_and_record(self, scope: Scope, receive: Receive, send: Send, draft: ExchangeDraft) -> None:
        cfg = self.sandbox.config.exchange_log
        request, response = _Capture(cfg.body_limit), _Capture(cfg.body_limit)
        meta: dict[str, Any] = {}

        async def receive_() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.feed(message.get("body", b""))
            return message

        async def send_(message: Message) -> None:
            if message["type"] == "http.response.start":
                response.know(draft.response_digest)
                meta["status"] = message["status"]
                headers = [*message.get("headers", []), (EXCHANGE_HEADER, draft.uid.encode())]
                message = {**message, "headers": headers}
                meta["headers"] = Headers(raw=headers)
            elif message["type"] == "http.response.body":
                response.feed(message.get("body", b""))
            await send(message)

        started_at, t0 = self.sandbox.clock.now(), time.perf_counter()
        try:
            await self.app(scope, receive_, send_)
        finally:
            duration = (time.perf_counter() - t0) * 1000
            self._write(scope, draft, request, response, meta, started_at, duration)  # only queues the record

    def _write(self, scope: Scope, draft: ExchangeDraft, request: _Capture, response: _Capture,
               meta: dict[str, Any], started_at: datetime, duration: float) -> None:
        head = self.sandbox.config.exchange_log.head_bytes
        req_headers = Headers(scope=scope)
        resp_headers: Headers | None = meta.get("headers")
        if draft.operation is None:
            routing = scope.get("extensions", {}).get("connexion_routing", {})
            draft.operation = (routing.get("operation_id") or "").rpartition(".")[2] or None
        query = scope.get("query_string", b"").decode("latin-1")
        self.sandbox.exchanges.record(
            draft,
            time=started_at,
            method=scope.get("method"),
            url=scope["path"] + (f"?{query}" if query else ""),
            status=meta.get("status"),
            request={"headers": {"content-type": req_headers.get("content-type")},
                     **request.record(req_headers.get("content-type"), head)},
            response={"headers": {"content-type": resp_headers.get("content-type") if resp_headers else None},
                      **response.record(resp_headers.get("content-type") if resp_headers else None, head)},
            duration_ms=round(duration, 3),
        )
