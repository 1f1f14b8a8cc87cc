"""Who may use the sandbox's own API: actions (that change a party's state) and state (names,
ID numbers) need the admin token when the listener can be reached from other machines; with
``control.protect: all`` everything under ``/_sandbox/`` does.  Refused natively (the sandbox's
plain error, 401), never recorded as a family's exchange."""
from __future__ import annotations

import hmac
import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from reference.config import Config
from reference.rules import RULES
from reference.transports.http import plain

HEADER = "x-imgcloud-admin"
PROTECTED_IN_AUTO = ("/_sandbox/actions/", "/_sandbox/state/", "/_sandbox/parties", "/_sandbox/faults",
                     "/_sandbox/tenants/")  # the last three: run-time settings (issue 13)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def protected(config: Config, path: str) -> bool:
    mode = config.control.protect
    if mode == "none" or not path.startswith("/_sandbox/"):
        return False
    if mode == "all":
        return True
    return config.listen.host not in LOOPBACK and path.startswith(PROTECTED_IN_AUTO)


def presented(headers: Headers) -> str:
    bearer = headers.get("authorization", "")
    return headers.get(HEADER) or (bearer[7:].strip() if bearer.lower().startswith("bearer ") else "")


class AdminGuard:
    def __init__(self, app: ASGIApp, config: Config) -> None:
        self.app, self.config = app, config
        self.token = config.admin_token().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not protected(self.config, scope["path"]):
            await self.app(scope, receive, send)
            return
        if hmac.compare_digest(presented(Headers(scope=scope)).encode(), self.token):
            await self.app(scope, receive, send)
            return
        status, body = plain.error([RULES.finding("SANDBOX-ADMIN-TOKEN")])
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
