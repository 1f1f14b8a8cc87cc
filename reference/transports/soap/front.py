"""The SOAP transport's front door: one route per family with a WSDL, at its service's address
path (``?wsdl`` serves the WSDL, ``?xsd=<name>`` the XSDs of the documents it carries), each
POST read as a SOAP 1.1 call and handed to the family's handler named after the operation.

The work (parsing, validating, storing) runs in the thread pool, never on the event loop;
the request body is read up to a bound.  Every exchange is recorded with transport ``soap``
(``recorder.py``), with the verdict table of ``reference/exchanges/verdicts.py``.
"""
from __future__ import annotations

import functools
import html
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from reference.errors import NativeError
from reference.exchanges import ExchangeDraft, recording
from reference.families import Family, all_families
from reference.resources import contracts_dir
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.transports.http.injected import FaultingSend

from . import boundary, envelope, recorder, wsdl, xml
from .envelope import SoapFault

#: Faults applied to the reply's bytes as over HTTP; the others are applied in ``serve`` (``_inject``).
BODY_KINDS = ("empty", "truncated", "malformed", "reset", "slow")

EXCHANGE_HEADER = "x-imgcloud-exchange"
XML_TYPES = ("text/xml", "application/xml")


@dataclass
class SoapContext:
    """What a SOAP handler gets: the sandbox, the exchange draft it adds findings to, the call's
    parameters (text) and the route's path parameters."""

    sandbox: Sandbox
    exchange: ExchangeDraft
    params: dict[str, str]
    path_params: dict[str, str] = field(default_factory=dict)


def namespace_of(sandbox: Sandbox, family: Family, service: wsdl.Service) -> str:
    return sandbox.config.parties[family.party].soap_namespace or service.namespace


def documents(family: Family) -> dict[str, str]:
    """``?xsd=`` names of the XSDs beside the family's WSDL (``soap/<stem>-<name>.xsd``)."""
    assert family.wsdl is not None
    folder, _, name = family.wsdl.rpartition("/")
    stem = name.rsplit(".", 1)[0]
    return {p.stem[len(stem) + 1:]: f"{folder}/{p.name}" for p in sorted((contracts_dir() / folder).glob(f"{stem}-*.xsd"))}


class SoapEndpoint:
    """The ASGI app serving one family's SOAP service."""

    def __init__(self, sandbox: Sandbox, family: Family) -> None:
        assert family.wsdl is not None
        self.sandbox, self.family, self.service = sandbox, family, wsdl.load(family.wsdl)
        self.namespace = namespace_of(sandbox, family, self.service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        record = recording(self.sandbox, ExchangeDraft(transport="soap", family=self.family.name, party=self.family.party))
        raw, refused = await recorder.read_body(request, xml.MAX_BYTES)
        status, body, media_type = await run_in_threadpool(self.serve, request, raw, refused, record.draft)
        response = Response(body, status_code=status, media_type=media_type,
                            headers={EXCHANGE_HEADER: record.draft.uid})
        try:  # the body-level faults (empty, truncated, malformed, reset, slow) as over HTTP
            await response(scope, receive, FaultingSend(self.sandbox, self.family, record.draft, scope, send, BODY_KINDS))
        finally:
            recorder.finish(self.sandbox, record, request, raw, status, body, media_type)

    # -- in the thread pool ------------------------------------------------------------------
    def serve(self, request: Request, raw: bytes, refused: int | None, draft: ExchangeDraft) -> tuple[int, bytes, str]:
        operation: wsdl.Operation | None = None
        try:
            if request.method in ("GET", "HEAD"):
                return self._describe(request, draft)
            if request.method != "POST":
                raise SoapFault([RULES.finding("SOAP-METHOD", method=request.method)])
            if refused is not None:
                raise SoapFault([RULES.finding("XML-TOO-LARGE", what="SOAP 请求 / the SOAP request", size=refused,
                                               limit=xml.MAX_BYTES)])
            self._check_content_type(request.headers.get("content-type", ""))
            root = xml.parse(raw, what="SOAP 请求 / the SOAP request")
            inst_mode = self.sandbox.config.validation.mode
            call = envelope.read_call(root, self.service, namespace=self.namespace, mode=inst_mode)
            operation = call.operation
            draft.operation = operation.name
            action = envelope.check_action(request.headers.get("soapaction"), operation, soap_operations(),
                                           mode=inst_mode)
            if any(f.is_error for f in action):
                raise SoapFault([*call.findings, *action])
            draft.add([*call.findings, *action])
            injected = self._inject(draft, operation)
            if injected is not None:
                return 200, injected, envelope.MEDIA_TYPE
            handler: Callable[[SoapContext], str] = self.family.handler(operation.name)
            result = handler(SoapContext(self.sandbox, draft, call.params, dict(request.path_params)))
            return 200, envelope.reply(operation, self.namespace, result), envelope.MEDIA_TYPE
        except Exception as exc:  # noqa: BLE001 - the one boundary
            status, body = boundary.answer(exc, family=self.family, operation=operation, namespace=self.namespace,
                                           config=self.sandbox.config, draft=draft)
            return status, body, envelope.MEDIA_TYPE

    def _inject(self, draft: ExchangeDraft, operation: wsdl.Operation) -> bytes | None:
        """A fault set for this operation (``reference.runtime``): a SOAP Fault, the operation's own
        failure reply (``status``; with ``code``, that code in its document: a wrong code), or a
        delay — marked on the exchange."""
        fault = self.sandbox.runtime.fault_for(self.family.party, draft.operation, draft.institution,
                                               ("soap-fault", "status", "delay"))
        if fault is None:
            return None
        draft.fault = fault.mark()
        if fault.kind == "delay":
            time.sleep(self.sandbox.runtime.delay_seconds(fault))
            return None
        finding = RULES.finding("FAULT-INJECTED", fault=fault.id, kind=fault.kind)
        if fault.kind == "soap-fault":
            raise SoapFault([finding], str(fault.code or "Server"))
        if fault.code is None or self.family.soap_error is None:
            raise NativeError([finding])
        document = self.family.soap_error(operation.name, [finding], self.sandbox.config)
        document = re.sub(r"<code>[^<]*</code>", lambda _: f"<code>{html.escape(str(fault.code))}</code>", document, count=1)
        return envelope.reply(operation, self.namespace, document)

    def _check_content_type(self, value: str) -> None:
        media = value.split(";")[0].strip().lower()
        if media == "application/soap+xml":
            raise SoapFault([RULES.finding("SOAP-VERSION", detail=f"Content-Type {value}")], "VersionMismatch")
        if media not in XML_TYPES:
            raise SoapFault([RULES.finding("SOAP-CONTENT-TYPE", actual=value or "(none)")])

    def _describe(self, request: Request, draft: ExchangeDraft) -> tuple[int, bytes, str]:
        query = {k.lower(): v for k, v in request.query_params.items()}
        location = self.sandbox.config.public_url + request.url.path
        if "wsdl" in query:
            draft.operation = "wsdl"
            return 200, self.service.document(location, self.namespace).encode("utf-8"), envelope.MEDIA_TYPE
        known = documents(self.family)
        if "xsd" in query:
            draft.operation = "xsd"
            name = query["xsd"]
            if name not in known:
                raise SoapFault([RULES.finding("HTTP-NOT-FOUND", method="GET", url=f"{request.url.path}?xsd={name}")])
            return 200, (contracts_dir() / known[name]).read_bytes(), envelope.MEDIA_TYPE
        draft.operation = "describe"
        return 200, _page(self.family, self.service, location, known).encode("utf-8"), "text/html; charset=utf-8"


def _page(family: Family, service: wsdl.Service, location: str, known: dict[str, str]) -> str:
    ops = "".join(f"<li>{html.escape(op.name)}({', '.join(op.params)})</li>" for op in service.operations.values())
    docs = "".join(f'<li><a href="?xsd={html.escape(n)}">{html.escape(f)}</a></li>' for n, f in known.items())
    return (f"<!DOCTYPE html><meta charset='utf-8'><title>{html.escape(family.title)}</title>"
            f"<h1>{html.escape(family.title)}</h1><p>SOAP 1.1 — <a href='?wsdl'>{html.escape(location)}?wsdl</a></p>"
            f"<ul>{ops}</ul><ul>{docs}</ul>")


@functools.cache
def soap_operations() -> dict[str, str]:
    """Every SOAP operation the sandbox serves -> its service's address path (for SOAPAction)."""
    return {name: service.path for family in all_families() if family.wsdl
            for service in (wsdl.load(family.wsdl),) for name in service.operations}


def soap_routes(sandbox: Sandbox, families: Sequence[Family]) -> list[Any]:
    """One route per family that has a WSDL."""
    return [Route(wsdl.load(f.wsdl).path, endpoint=SoapEndpoint(sandbox, f)) for f in families if f.wsdl]
