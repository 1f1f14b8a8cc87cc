"""Deliberate reply faults (``parties.<party>.reply_faults``): a second sandbox configured to answer
like a non-conforming vendor system, so that a contract test can be shown failing and naming the
fault (WireMock's faults as data).  ASGI middleware inside the recorder: the record keeps what was
really sent.  Installed only when a party has faults; a reply it does not fault passes untouched."""
from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference.config import Config
from reference.config.model import ReplyFault
from reference.families import FamilyRouter


def _parts(path: str) -> list[str]:
    return re.findall(r"[^.\[\]]+|\[\*\]|\[\d+\]", path)


def _apply(node: Any, parts: list[str], action: str, value: Any = None) -> None:
    """Remove or set ``parts`` under ``node`` (``[*]``: in every item; a missing parent: nothing)."""
    head, rest = parts[0], parts[1:]
    if head == "[*]":
        children = list(node) if isinstance(node, list) else []
    elif head.startswith("[") and isinstance(node, list):
        index = int(head[1:-1])
        children = [node[index]] if index < len(node) else []
        if not rest and index < len(node):
            if action == "remove":
                del node[index]
            else:
                node[index] = value
            return
    elif isinstance(node, dict):
        if not rest:
            if action == "remove":
                node.pop(head, None)
            else:
                node[head] = value
            return
        children = [node[head]] if head in node else []
    else:
        children = []
    for child in children:
        if rest:
            _apply(child, rest, action, value)


def faulted(body: bytes, fault: ReplyFault) -> bytes:
    """``body`` (JSON) with ``fault``'s removals and settings; not JSON: as it was."""
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    for path in fault.remove:
        _apply(doc, _parts(path), "remove")
    for path, value in fault.set.items():
        _apply(doc, _parts(path), "set", value)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


class ReplyFaults:
    def __init__(self, app: ASGIApp, config: Config, router: FamilyRouter) -> None:
        self.app, self.config, self.router = app, config, router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        party = self.config.parties.get(self.router(scope["path"]).party)
        faults = party.reply_faults if party is not None else []
        if not faults:
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {"body": b""}

        async def send_(message: Message) -> None:
            if message["type"] == "http.response.start":
                held["start"] = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            held["body"] += message.get("body", b"")
            if message.get("more_body", False):
                return
            operation = scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")
            fault = next((f for f in faults if f.operation == operation), None)
            start, body = held["start"], held["body"]
            if fault is not None:
                body = faulted(body, fault)
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                start = {**start, "status": fault.status or start["status"],
                         "headers": [*headers, (b"content-length", str(len(body)).encode())]}
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_)
