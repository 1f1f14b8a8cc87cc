"""A Starlette ``Router`` with a few routes in front of the app serving everything else, passed by
for a request whose path none of its routes could take.

``create_app`` has two: the SOAP services' routes before the recorded families, the docs' mount
before the families' apps.  Starlette's router tries each route's pattern on every request, then
a slash added or removed; a fast-lane request passed both routers for nothing (issue 12).  A path
that does not begin with a route's literal prefix (its path up to the first ``{``, without a
trailing slash) can match no route, with or without a trailing slash: such a request goes to the
default app at once, as the router would send it.  Anything else — a path one route could take, a
``root_path`` to strip, a lifespan or websocket scope — is the router's, unchanged."""
from __future__ import annotations

from starlette.routing import Router
from starlette.types import Receive, Scope, Send


def literal_prefix(path: str) -> str:
    """A route's path up to its first parameter, without a trailing slash."""
    return path.split("{", 1)[0].rstrip("/")


class RouterShortcut:
    def __init__(self, router: Router) -> None:
        self.router = router
        self.prefixes = tuple(literal_prefix(getattr(route, "path", "")) for route in router.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path") and not scope["path"].startswith(self.prefixes):
            scope.setdefault("router", self.router)
            await self.router.default(scope, receive, send)
            return
        await self.router(scope, receive, send)
