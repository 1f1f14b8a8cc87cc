"""The HTTP transport's inbound recorder: ASGI middleware recording every exchange a simulated
party serves, through ``reference.exchanges.recording``.

It wraps the whole Connexion app: the request and response bytes are captured as they
pass (large bodies hashed incrementally, never held twice), and what the handler learnt
(family, operation, institution, findings) comes back through the ``ExchangeDraft`` it
placed in the request context.  The record is written (journaled and queued) just before the
reply's last byte is sent, so a caller never holds an answer the log could lose.
"""
from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference.exchanges import ExchangeDraft, Recording, body_record, recording
from reference.exchanges.record import Sealed, head_text
from reference.exchanges.recorder import sealing
from reference.families import Family, FamilyRouter
from reference.sandbox import Sandbox
from reference.transports.http.injected import FaultingSend
from reference.transports.http.rawheaders import header

UNRECORDED_PREFIXES = ("/_sandbox",)
#: The console (``/``) and the browser's own icon request are the sandbox's, not a party's exchanges.
UNRECORDED_PATHS = ("/", "/favicon.ico")
#: Response header naming the exchange record, so a caller can fetch its findings.
EXCHANGE_HEADER = b"x-imgcloud-exchange"
#: Sealed response records kept (``ExchangeRecorder._response``): a load test's working set of files,
#: and at most about this many characters of their text (a whole one is up to ~88 K: 64 KB in base64).
SEALED_LIMIT = 4096
SEALED_CHARS = 32 << 20
#: A request or reply body of at most this many bytes is recorded by a sealed record when sent again
#: byte for byte (``ExchangeRecorder._sealed_when_repeated``): a token asked for again, an image's
#: request repeated, the same refusal of the same request.
SEALED_BODY_BYTES = 4096


class _Capture:
    """The first ``limit + 1`` bytes of a stream, its size and, once it outgrows ``limit``, its sha256.

    A body within the limit is kept whole and never hashed: its digest is not recorded.  Hashing
    every body cost a save's event loop more than its CPU: ``hashlib`` lets go of the GIL for data
    of 2 KB or more (a one-row save is ~2.9 KB), and under load the event loop then waited for the
    handlers' threads to give it back — a third of the event loop's time in a save (issue 12)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.keep = limit + 1  # bytes of the stream kept
        self.kept = bytearray()
        self.size = 0
        self.sha: Any = None  # started when the stream outgrows ``limit`` (``feed``)
        self.known: tuple[str, int] | None = None

    def know(self, digest: tuple[str, int] | None, head: int) -> None:
        """The body's digest and size are already known: never hash it, and of a body over the limit
        keep only the ``head`` its record shows (not 64 KB copied from each ``queryImgCahe`` reply)."""
        if digest is not None:
            self.known, self.sha = digest, None
            if digest[1] > self.limit:
                self.keep = min(self.keep, head)

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        room = self.keep - len(self.kept)
        if room > 0:
            self.kept += memoryview(chunk)[:room]  # no copy of the slice
        if self.size > self.limit and self.known is None:
            if self.sha is None:  # just outgrown: ``kept`` holds every byte before the chunk's rest
                self.sha = hashlib.sha256(self.kept)
            if room < len(chunk):  # the rest, not copied (a served file's reply is ~700 KB)
                self.sha.update(memoryview(chunk)[max(room, 0):])

    def record(self, media_type: str | None, head: int) -> dict[str, Any]:
        if self.size <= self.limit and len(self.kept) == self.size:
            return body_record(bytes(self.kept), media_type, limit=self.limit, head=head)
        return {
            "size": self.size,
            "media_type": media_type,
            "sha256": self.known[0] if self.known else self.sha.hexdigest(),
            "truncated": True,
            "head": head_text(bytes(self.kept[:head])),
        }


class ExchangeRecorder:
    def __init__(self, app: ASGIApp, sandbox: Sandbox, router: FamilyRouter) -> None:
        self.app = app
        self.sandbox = sandbox
        self.router = router
        self._refresh: asyncio.Task[None] | None = None
        self._sealed: dict[tuple[Any, ...], Sealed] = {}
        self._sealed_chars = 0
        self._bodies_seen: set[int] = set()  # hashes of small body records' keys seen once (``_sealed_when_repeated``)

    def _recorded(self, path: str) -> bool:
        return (not path.startswith(UNRECORDED_PREFIXES) and path not in UNRECORDED_PATHS
                and not path.endswith(("/ui", "/ui/", "openapi.json")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
        context["sandbox"] = self.sandbox
        if not self._recorded(scope["path"]):
            await self.app(scope, receive, send)
            return
        family = self.router(scope["path"])
        if self.sandbox.runtime.stale():  # party switches and faults set at run time: a read, off the event loop
            await self._refreshed()
        record = recording(self.sandbox, ExchangeDraft(family=family.name, party=family.party))
        context["exchange"] = record.draft
        await self._serve_and_record(scope, receive, send, record, family)

    async def _refreshed(self) -> None:
        """The run-time settings re-read once for every request that finds them stale meanwhile: each
        waits for the one re-read under way (the same freshness) instead of hopping to a thread of its
        own for the same two reads — under 16 connections a herd of them every ``TTL`` (issue 12)."""
        loop = asyncio.get_running_loop()
        task = self._refresh
        if task is None or task.done() or task.get_loop() is not loop:
            task = self._refresh = loop.create_task(run_in_threadpool(self.sandbox.runtime.refresh))
            task.add_done_callback(_retrieved)
        await asyncio.shield(task)  # a request that goes away does not cancel the others' re-read

    async def _serve_and_record(self, scope: Scope, receive: Receive, send: Send, record: Recording,
                                family: Family) -> None:
        draft = record.draft
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
                response.know(draft.response_digest, self.sandbox.config.exchange_log.head_bytes)
                meta["status"] = message["status"]
                headers = [*message.get("headers", []), (EXCHANGE_HEADER, draft.uid.encode())]
                message = {**message, "headers": headers}
                meta["content-type"] = header(headers, b"content-type")
            elif message["type"] == "http.response.body":
                response.feed(message.get("body", b""))
                if not message.get("more_body", False):  # recorded before the caller has the whole reply
                    self._write(scope, record, request, response, meta)
            await send(message)

        try:
            await self.app(scope, receive_, FaultingSend(self.sandbox, family, draft, scope, send_))
        finally:
            if not record.finished:  # no complete reply was sent (an error, a client gone)
                self._write(scope, record, request, response, meta)

    def _write(self, scope: Scope, record: Recording, request: _Capture, response: _Capture,
               meta: dict[str, Any]) -> None:
        draft = record.draft
        head = self.sandbox.config.exchange_log.head_bytes
        raw = scope["headers"]
        if draft.operation is None:
            draft.operation = scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id") or None
        query = scope.get("query_string", b"").decode("latin-1")
        record.finish(
            method=scope.get("method"),
            url=scope["path"] + (f"?{query}" if query else ""),
            status=meta.get("status"),
            request=self._request(request, header(raw, b"content-type"), header(raw, b"user-agent"), head, draft.form),
            response=self._response(response, meta.get("content-type"), head),
        )

    def _request(self, request: _Capture, media_type: str | None, agent: str | None, head: int,
                 form: dict[str, Any] | None) -> dict[str, Any]:
        """The request's record; a small body sent again byte for byte with the same headers (a load
        test's token request, an image asked for again) is the record kept for it, masked and
        serialised once — each request's body parsed, masked and serialised anew was 5–11 % of a
        ``getToken``'s or ``queryImgCahe``'s CPU in process (issue 12).  A multipart upload's
        (``form``) is made each time."""
        def made() -> dict[str, Any]:
            return {"headers": {"content-type": media_type, "user-agent": agent}, **request.record(media_type, head),
                    **({"form": form} if form else {})}

        if form:
            return made()
        return self._sealed_when_repeated(("request", media_type, agent), request, head, made)

    def _response(self, response: _Capture, media_type: str | None, head: int) -> dict[str, Any]:
        """The reply's record; a reply whose digest the handler knew (a stored file sent again: a
        ``queryImgCahe`` reply, a report PDF, a DICOM file) is the record kept for the same digest,
        size, type and head, masked and serialised once — whole when within the body limit (a 48 KB
        PDF's base64 was encoded, serialised and scanned anew for each request: ~30 % of a
        ``queryExamPdfData``'s time holding the GIL, issue 12), else its head.  Any other small reply sent
        again byte for byte (the 11004 a load test's token requests get after a day's 30, an error
        answered to the same bad request) is sealed as a small request is: ~10 % of such a
        ``getToken``'s CPU was its reply's record, parsed and masked anew."""
        def made() -> dict[str, Any]:
            return {"headers": {"content-type": media_type}, **response.record(media_type, head)}

        if response.known is None:
            return self._sealed_when_repeated(("response", media_type), response, head, made)
        fields = sealing(self.sandbox.config.exchange_log)
        key = (response.known[0], response.size, media_type, head, bytes(response.kept[:head]), fields)
        return self._sealed_record(key, made, fields)

    def _sealed_when_repeated(self, kind: tuple[Any, ...], body: _Capture, head: int,
                              made: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """``made()``, or for a body of at most ``SEALED_BODY_BYTES`` sent before with the same ``kind``
        (its side and headers) the sealed record kept for it.  Sealed at its second sending: a body
        sent once (each save's own msgid, each token issued) is recorded as any other, never sealed."""
        if body.size > SEALED_BODY_BYTES or len(body.kept) != body.size:
            return made()
        fields = sealing(self.sandbox.config.exchange_log)
        key = (*kind, bytes(body.kept), body.limit, head, fields)
        if key not in self._sealed:
            seen = hash(key)
            if seen not in self._bodies_seen:
                if len(self._bodies_seen) >= SEALED_LIMIT:
                    self._bodies_seen.clear()
                self._bodies_seen.add(seen)
                return made()
        return self._sealed_record(key, made, fields)

    def _sealed_record(self, key: tuple[Any, ...], made: Callable[[], dict[str, Any]],
                       fields: frozenset[str] | None) -> Sealed:
        """The sealed record kept for ``key``, else the one ``made`` now (and kept: bounded)."""
        sealed = self._sealed.get(key)
        if sealed is None:
            if len(self._sealed) >= SEALED_LIMIT or self._sealed_chars > SEALED_CHARS:
                self._sealed.clear()
                self._sealed_chars = 0
            sealed = self._sealed[key] = Sealed(made(), fields)
            self._sealed_chars += len(sealed.text)
        return sealed


def _retrieved(task: asyncio.Task[None]) -> None:
    """The re-read's outcome taken, so one every waiter left early from is not reported as lost."""
    if not task.cancelled():
        task.exception()
