"""Faults the HTTP transport injects into a simulated party's replies (``reference.runtime``):
decided when the reply starts (the operation and institution are known by then), applied to what
the handler produced, and recorded as sent — the exchange carries ``response.fault``.

- ``delay``: the reply held back ``delay_ms`` (from its distribution, seeded: ``reference.fault_delays``);
- ``status``: HTTP ``status`` with the family's own error body (``code`` replacing its error code,
  e.g. 11001 / 11003 / 11004 of the provincial cloud's token errors), or ``params.body`` as given;
- ``empty``, ``truncated`` (the first half), ``malformed`` (half, then bytes no parser accepts);
- ``reset``: headers and half the body sent, then the connection dropped;
- ``slow``: the body in ``params.chunk`` byte pieces (default 64; at most 256 pieces), ``delay_ms``
  between them.
"""
from __future__ import annotations

import asyncio
import json

from starlette.concurrency import run_in_threadpool
from starlette.types import Message, Scope, Send

from reference.exchanges import ExchangeDraft
from reference.families import Family
from reference.rules import RULES
from reference.runtime import HTTP_KINDS, Fault
from reference.sandbox import Sandbox

GARBAGE = b'\x00<<{"\xff'
BUFFERED = ("status", "empty", "truncated", "malformed", "reset")


def _headers(message: Message, length: int, media_type: str | None = None) -> Message:
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (b"content-length", b"content-type")
               or (k.lower() == b"content-type" and media_type is None)]
    headers.append((b"content-length", str(length).encode()))
    if media_type is not None:
        headers.append((b"content-type", media_type.encode()))
    return {**message, "headers": headers}


class FaultingSend:
    """The ``send`` a handler's reply passes through on its way to the recorder."""

    def __init__(self, sandbox: Sandbox, family: Family, draft: ExchangeDraft, scope: Scope, send: Send,
                 kinds: tuple[str, ...] = HTTP_KINDS) -> None:
        self.sandbox, self.family, self.draft, self.scope, self.send = sandbox, family, draft, scope, send
        self.kinds = kinds
        self.fault: Fault | None = None
        self.start: Message | None = None
        self.body = bytearray()

    async def _decide(self) -> Fault | None:
        runtime = self.sandbox.runtime
        if not runtime.has_faults():
            return None
        operation = self.draft.operation or self.scope.get("extensions", {}).get(
            "connexion_routing", {}).get("operation_id")
        # off the event loop: a fault that draws counts its exchanges in the database
        fault = await run_in_threadpool(runtime.fault_for, self.draft.party, operation, self.draft.institution,
                                        self.kinds, refresh=False)
        if fault is not None:
            self.draft.fault = fault.mark()
            if fault.kind in (*BUFFERED, "slow"):
                self.draft.response_digest = None  # the body sent is not the one prepared
        return fault

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.fault = await self._decide()
            if self.fault is not None and self.fault.kind == "delay":
                await asyncio.sleep(self.sandbox.runtime.delay_seconds(self.fault))
            if self.fault is not None and self.fault.kind in BUFFERED:
                self.start = message
                return
            await self.send(message)
            return
        if message["type"] != "http.response.body" or self.fault is None or self.fault.kind == "delay":
            await self.send(message)
            return
        if self.fault.kind == "slow":
            await self._slow(message)
            return
        self.body.extend(message.get("body", b""))
        if not message.get("more_body", False):
            await self._emit()

    async def _slow(self, message: Message) -> None:
        assert self.fault is not None
        data, more = message.get("body", b""), message.get("more_body", False)
        size = max(int(self.fault.params.get("chunk", 64)), 1, len(data) // 256)  # at most 256 pauses a body
        pieces = [data[i:i + size] for i in range(0, len(data), size)] or [b""]
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            await self.send({"type": "http.response.body", "body": piece, "more_body": more or not last})
            if not last:
                await asyncio.sleep(self.sandbox.runtime.delay_seconds(self.fault, index) or 0.05)

    async def _emit(self) -> None:
        assert self.fault is not None and self.start is not None
        kind, body = self.fault.kind, bytes(self.body)
        if kind == "reset":
            await self.send(self.start)
            # never completed: the server drops the connection when the app returns
            await self.send({"type": "http.response.body", "body": body[:len(body) // 2], "more_body": True})
            return
        start, media_type = self.start, None
        if kind == "status":
            body, media_type = self._status_body()
            status = int(self.fault.status or 500)
            start = {**start, "status": status if 100 <= status <= 599 else 500}  # a DICOM status means "fail"
        elif kind == "empty":
            body = b""
        elif kind == "truncated":
            body = body[:len(body) // 2]
        elif kind == "malformed":
            body = body[:len(body) // 2] + GARBAGE
        await self.send(_headers(start, len(body), media_type))
        await self.send({"type": "http.response.body", "body": body})

    def _status_body(self) -> tuple[bytes, str]:
        """The fault's body: as given, or the family's native error naming FAULT-INJECTED."""
        assert self.fault is not None
        given = self.fault.params.get("body")
        if isinstance(given, str):
            return given.encode("utf-8"), str(self.fault.params.get("media_type", "text/plain; charset=utf-8"))
        finding = RULES.finding("FAULT-INJECTED", fault=self.fault.id, kind=self.fault.kind)
        _, payload = self.family.error([finding], self.sandbox.config)
        if given is not None:
            payload = given
        elif self.fault.code is not None and isinstance(payload, dict) and "code" in payload:
            payload = {**payload, "code": self.fault.code}
        return json.dumps(payload, ensure_ascii=False).encode("utf-8"), self.family.media_type
