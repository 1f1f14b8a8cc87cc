"""``RouterShortcut``: a path no route could take goes to the default app at once; anything a route
could take — its path, with a slash added or removed, below a mount, a ``root_path`` — is the router's,
answered as Starlette's router answers it."""
from __future__ import annotations

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route, Router
from starlette.types import Receive, Scope, Send

from reference.transports.http.shortcut import RouterShortcut, literal_prefix


async def _default(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse(f"default {scope['path']} router={'router' in scope}")(scope, receive, send)


def _router() -> Router:
    async def soap(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("soap")

    inner = Router(routes=[Route("/page", lambda request: PlainTextResponse("docs page"))])
    return Router(routes=[Route("/platform/ws/Service", soap, methods=["POST"]),
                          Route("/items/{item}/", lambda request: PlainTextResponse("item")),
                          Mount("/_sandbox/docs", inner)], default=_default)


def _answers(app, method: str, path: str, **kw) -> tuple[int, str, str | None]:  # type: ignore[no-untyped-def]
    import asyncio

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, **kw)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.request(method, path, follow_redirects=False)

    reply = asyncio.run(ask())
    return reply.status_code, reply.text, reply.headers.get("location")


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/centre/S51080200001/imgDld"), ("POST", "/platform/ws/Service"), ("GET", "/platform/ws/Service"),
    ("POST", "/platform/ws/Service/"), ("POST", "/platform/ws"), ("GET", "/items/7"), ("GET", "/items/7/"),
    ("GET", "/items"), ("GET", "/_sandbox/docs/page"), ("GET", "/_sandbox/docs"), ("GET", "/_sandbox/docs/page/"),
    ("GET", "/_sandbox/docsx"), ("GET", "/"), ("GET", "/interface/getToken"),
])
def test_every_path_is_answered_as_the_router_answers_it(method: str, path: str) -> None:
    assert _answers(RouterShortcut(_router()), method, path) == _answers(_router(), method, path)


def test_with_a_root_path_the_router_decides() -> None:
    assert _answers(RouterShortcut(_router()), "POST", "/api/platform/ws/Service", root_path="/api") == \
        _answers(_router(), "POST", "/api/platform/ws/Service", root_path="/api")


def test_a_path_no_route_could_take_goes_to_the_default_at_once(monkeypatch) -> None:
    router = _router()

    async def asked(scope: Scope, receive: Receive, send: Send) -> None:
        pytest.fail("the router was asked")

    monkeypatch.setattr(router, "middleware_stack", asked)
    assert _answers(RouterShortcut(router), "POST", "/centre/S51080200001/imgDld") == \
        (200, "default /centre/S51080200001/imgDld router=True", None)


def test_literal_prefixes() -> None:
    assert [literal_prefix(p) for p in ("/platform/ws/Service", "/items/{item}/", "/_sandbox/docs", "/", "/{any}")] == \
        ["/platform/ws/Service", "/items", "/_sandbox/docs", "", ""]
