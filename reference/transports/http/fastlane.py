"""A fast lane in front of Connexion for the operations a load test hammers (issue 12).

Connexion 3's AsyncApp passes every request through ~10 ASGI middlewares (error handling, Swagger
UI, routing, security, request validation, lifespan, context), builds its parameter and response
decorators anew per request, serialises the validated body back to JSON for the handler to parse
again, and calls our error boundary in a worker thread — about 1 ms of CPU a request before the
handler runs.  For the operations in ``HOT`` this lane does what that stack does for a plain request,
built once at startup from the same joined spec: the route (path template and method), the same
body validator class (``validation.py``: the same findings, rule ids and native refusals), the same
handler (``FamilyResolver``), the same response building (Connexion's own response decorator) and
the same error boundary (``boundary.py``), with Connexion's request context set so handlers are
unchanged.  An operation without a body (a ``GET``: WADO-URI, 003's film page) takes its string
query parameters as Connexion's parameter decorator passes them (decoded as Starlette decodes them,
a schema default for one left out).  Anything not plain — another content type or charset, a query
string on an operation with a body, a path, query or header parameter its schema refuses, a query
parameter the operation does not name, a parameter sent twice or a required one missing — is left
to Connexion, which answers it exactly as before.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connexion.context import _context, _operation, _receive, _scope
from connexion.decorators.response import AsyncResponseDecorator
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.operations import OpenAPIOperation
from connexion.utils import is_json_mimetype, split_content_type
from jsonschema import Draft4Validator
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference.transports.http.resolver import FamilyResolver
from reference.transports.http.specs import JoinedSpec
from reference.validation.quick import compile_quick

#: The operations served by the lane: the hot paths of issue 12's benchmark, and the rest of its 200-user
#: retrieval mix — 003's doctor (history, the report PDF, the film URL: 16-22 % of their CPU; the film
#: page) and the viewer's WADO-URI GET (~64 % of its CPU was Connexion's stack).
HOT = frozenset({"getToken", "imgDld", "saveExamRpotImgIndx",
                 "queryFormerlyExam", "queryExamPdfData", "getdigitalImageUrl", "filmPage", "wado"})
#: Content types the lane takes (lower case, spaces removed); any other goes to Connexion.
PLAIN_JSON = frozenset({b"application/json", b"application/json;charset=utf-8"})
Boundary = Callable[[ConnexionRequest, Exception], ConnexionResponse]
#: A query parameter's schema without a default.
_NO_DEFAULT = object()


@dataclass(frozen=True)
class Lane:
    """One operation, compiled at startup."""

    operation: OpenAPIOperation
    pattern: re.Pattern[str]
    params: dict[str, Callable[[str], bool]]  # path parameter -> whether its schema accepts a value
    headers: tuple[tuple[bytes, bool, Callable[[str], bool]], ...]  # header parameter (lower case), required, check
    query: dict[str, tuple[bool, Callable[[str], bool], Any]]  # query parameter -> required, check, default
    schema: dict[str, Any]          # the application/json body schema (the object Connexion validates)
    required: bool
    function: Callable[..., Any]    # the handler, as Connexion resolves it
    takes_body: bool
    is_async: bool
    responses: AsyncResponseDecorator
    #: The one JSON media type the operation answers with, or ``None`` (several, or none declared).
    json_type: str | None = None

    def path_params(self, path: str) -> dict[str, str] | None:
        """The path's parameters, or ``None`` when the path is not this operation's or a parameter
        is one its schema refuses (then Connexion answers, with its finding)."""
        match = self.pattern.fullmatch(path)
        if match is None:
            return None
        found = match.groupdict()
        if any(not valid(found[name]) for name, valid in self.params.items()):
            return None
        return found

    def query_params(self, query_string: bytes) -> dict[str, Any] | None:
        """The query's parameters as the handler takes them (a default for one left out), or ``None``
        when the request is not plain: a body operation's query string, a name not the operation's,
        a name sent twice, a required one missing, a value its schema refuses."""
        if not query_string:
            found: list[tuple[str, str]] = []
        elif self.takes_body or not self.query:
            return None
        else:
            found = QueryParams(query_string).multi_items()
        given = dict(found)
        if len(given) != len(found) or any(name not in self.query for name in given):
            return None
        params = {}
        for name, (required, valid, default) in self.query.items():
            if name in given:
                if not valid(given[name]):
                    return None
                params[name] = given[name]
            elif required:
                return None
            elif default is not _NO_DEFAULT:
                params[name] = default
        return params

    def headers_plain(self, headers: list[tuple[bytes, bytes]]) -> bool:
        """Each header parameter sent at most once, a required one sent, and every value one its schema
        accepts (read as Starlette reads a header: latin-1)."""
        for name, required, valid in self.headers:
            values = [v for k, v in headers if k.lower() == name]
            if len(values) > 1 or (required and not values) or (values and not valid(values[0].decode("latin-1"))):
                return False
        return True

    def respond(self, result: Any) -> Response:
        """The handler's result as Connexion's response decorator builds it.  A ``dict`` from an operation
        declaring one JSON media type (``saveExamRpotImgIndx``, ``imgDld``) is built here directly, as
        that decorator would build it (its JSON text, status 200, that type) without its
        per-request inference of the content type and status (~35 us of a save, issue 12)."""
        if type(result) is dict and self.json_type is not None:
            return Response(content=self.responses.jsonifier.dumps(result), status_code=200,
                            media_type=self.json_type, headers={"Content-Type": self.json_type})
        return self.responses.build_framework_response(result)


def _json_type(op: OpenAPIOperation) -> str | None:
    produces = set(op.produces)
    if len(produces) != 1:
        return None
    (media_type,) = produces
    return media_type if is_json_mimetype(split_content_type(media_type)[0]) else None


def _param_check(schema: dict[str, Any]) -> Callable[[str], bool]:
    """Whether a path parameter's value is one its schema accepts: jsonschema's answer, asked only
    when the quick check (``reference.validation.quick``) does not already know it is valid."""
    validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    quick = compile_quick(schema, validator)
    if quick is None:
        return validator.is_valid
    return lambda value: quick(value) or validator.is_valid(value)


def _lane(joined: JoinedSpec, resolver: FamilyResolver, jsonifier: Jsonifier, path: str, method: str) -> Lane | None:
    item = joined.spec["paths"][path]
    op = OpenAPIOperation(method, path, item[method], resolver=resolver, path_parameters=item.get("parameters", []),
                          app_security=joined.spec.get("security", []),
                          security_schemes=joined.spec.get("components", {}).get("securitySchemes", {}),
                          components=joined.spec.get("components", {}))
    params = op.parameters
    if op.security or list(op.consumes) not in (["application/json"], []) or any(
            p.get("in") not in ("path", "header", "query") or (p.get("schema") or {}).get("type") != "string"
            or p.get("style", "form") != "form" for p in params):
        return None  # not a plain JSON operation, nor a GET of string parameters: Connexion's
    in_header = [p for p in params if p["in"] == "header"]
    in_query = [p for p in params if p["in"] == "query"]
    params = [p for p in params if p["in"] == "path"]
    names = [p["name"] for p in params]
    regex = re.sub(r"\\\{([^}]+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(path))
    if sorted(re.findall(r"\(\?P<([^>]+)>", regex)) != sorted(names):
        return None
    function = op.function
    signature = inspect.signature(function)
    if ("body" in signature.parameters) != bool(op.consumes) or (in_query and (
            op.consumes or any(p["name"] not in signature.parameters for p in in_query))):
        return None  # a body the handler does not take (or the reverse), a body and query parameters, or a
        # query parameter the handler does not take: Connexion's
    return Lane(operation=op, pattern=re.compile(regex),
                params={p["name"]: _param_check(p["schema"]) for p in params},
                headers=tuple((p["name"].lower().encode("latin-1"), bool(p.get("required")), _param_check(p["schema"]))
                              for p in in_header),
                query={p["name"]: (bool(p.get("required")), _param_check(p["schema"]), p["schema"].get("default", _NO_DEFAULT))
                       for p in in_query},
                schema=op.body_schema("application/json"), required=bool(op.request_body.get("required", False)),
                function=function, takes_body="body" in signature.parameters,
                is_async=asyncio.iscoroutinefunction(function),
                responses=AsyncResponseDecorator(framework=StarletteFramework, jsonifier=jsonifier),
                json_type=_json_type(op))


def lanes(joined: JoinedSpec, resolver: FamilyResolver, jsonifier: Jsonifier,
          operations: frozenset[str] = HOT) -> dict[str, list[Lane]]:
    """The lanes of ``operations`` that are plain JSON operations, by HTTP method."""
    found: dict[str, list[Lane]] = {}
    for path, item in joined.spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") in operations:
                lane = _lane(joined, resolver, jsonifier, path, method)
                if lane is not None:
                    found.setdefault(method.upper(), []).append(lane)
    return found


def _plain_json(scope: Scope) -> bool:
    """One ``application/json`` (utf-8) content type."""
    types = [v for k, v in scope["headers"] if k.lower() == b"content-type"]
    return len(types) == 1 and types[0].lower().replace(b" ", b"") in PLAIN_JSON


class FastLane:
    """ASGI: the lanes' operations served here, everything else by ``app`` (Connexion)."""

    def __init__(self, app: ASGIApp, by_method: dict[str, list[Lane]], validator: type[Any], boundary: Boundary) -> None:
        self.app, self.by_method, self.validator, self.boundary = app, by_method, validator, boundary

    def _route(self, scope: Scope) -> tuple[Lane, dict[str, Any]] | None:
        """The lane and the handler's parameters (path, then query) of a plain request, else ``None``."""
        if scope["type"] != "http":
            return None
        for lane in self.by_method.get(scope["method"], ()):
            found = lane.path_params(scope["path"])
            if found is None:
                continue
            query = lane.query_params(scope.get("query_string", b""))
            if query is None or (lane.takes_body and not _plain_json(scope)) or not lane.headers_plain(scope["headers"]):
                return None
            return lane, {**found, **query}
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routed = self._route(scope)
        if routed is None:
            await self.app(scope, receive, send)
            return
        lane, params = routed
        extensions = scope.setdefault("extensions", {})
        context = extensions.setdefault("connexion_context", {})
        extensions.setdefault("connexion_routing", {}).update({"api_base_path": "", "operation_id": lane.operation.operation_id})
        scope["path_params"] = {name: params[name] for name in lane.params}
        _context.set(context)
        _operation.set(lane.operation)
        _scope.set(scope)
        _receive.set(receive)
        started = False

        async def send_(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            response = await self._serve(lane, params, scope, receive)
        except Exception as exc:
            if started:
                raise
            answer = self.boundary(ConnexionRequest(scope, receive), exc)
            await Response(content=answer.body, status_code=answer.status_code, media_type=answer.mimetype,
                           headers=answer.headers)(scope, receive, send_)
            return
        await response(scope, receive, send_)

    async def _serve(self, lane: Lane, params: dict[str, Any], scope: Scope, receive: Receive) -> Response:
        kwargs: dict[str, Any] = dict(params)
        if lane.takes_body:
            validator = self.validator(schema=lane.schema, required=lane.required, nullable=False, encoding="utf-8",
                                       strict_validation=False)
            report = await validator.report(receive, scope)
            _receive.set(_replay(report.body))
            kwargs["body"] = report.body
        if lane.is_async:
            result = await lane.function(**kwargs)
        else:
            result = await run_in_threadpool(lane.function, **kwargs)
        if isinstance(result, Response):
            return result
        if isinstance(result, ConnexionResponse):
            return StarletteFramework.connexion_to_framework_response(result)
        return lane.respond(result)


def _replay(body: Any) -> Receive:
    """The validated body as a handler reading the request would receive it (as Connexion re-sends it)."""
    async def receive() -> Message:
        return {"type": "http.request", "body": json.dumps(body).encode("utf-8"), "more_body": False}
    return receive
