"""The outbound SOAP client: a document/literal call built from the service's WSDL, posted
over HTTP, its reply read hardened; every call recorded (direction outbound, transport
``soap``) with the findings the caller's ``judge`` raised about the answer — how a real
system under test is checked when its party is external."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from reference.exchanges import ExchangeDraft, body_record, recording
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox

from . import envelope, wsdl, xml

#: ``(result document text) -> findings`` about a peer's answer.
Judge = Callable[[str], Sequence[Finding]]


@dataclass
class SoapResult:
    status: int | None
    result: str | None = None          # the operation's result (the reply document, as text)
    fault: str | None = None           # "code: string" of a Fault
    findings: list[Finding] = field(default_factory=list)
    exchange: str | None = None        # our outbound record
    peer_exchange: str | None = None   # the peer's record (X-Imgcloud-Exchange), when it is a sandbox

    @property
    def ok(self) -> bool:
        return self.result is not None and not any(f.is_error for f in self.findings)


class SoapClient:
    def __init__(self, sandbox: Sandbox | None, *, party: str, family: str, wsdl_file: str,
                 namespace: str | None = None, timeout: float = 30.0, http: httpx.Client | None = None) -> None:
        self.sandbox, self.party, self.family = sandbox, party, family
        self.service = wsdl.load(wsdl_file)
        self.namespace = namespace or self.service.namespace
        self.http = http or httpx.Client(timeout=timeout)
        self._own = http is None

    def call(self, url: str, operation: str, params: dict[str, str], *, institution: str | None = None,
             judge: Judge | None = None) -> SoapResult:
        op = self.service.operation(operation)
        if op is None:
            raise KeyError(f"{self.service.file} has no operation {operation}")
        body = envelope.request(op, self.namespace, params)
        record = recording(self.sandbox, ExchangeDraft(direction="outbound", transport="soap", party=self.party,
                                                       family=self.family, operation=operation, institution=institution))
        out = SoapResult(status=None, exchange=record.draft.uid)
        try:
            response = self.http.post(url, content=body, headers={"content-type": envelope.MEDIA_TYPE,
                                                                    "soapaction": f'"{operation}"'})
        except httpx.HTTPError as exc:
            out.findings.append(RULES.finding("SIM-PEER-UNREACHABLE", url=url, detail=f"{type(exc).__name__}: {exc}"))
            record.draft.add(out.findings)
            record.finish(method="POST", url=url, status=None, request=self._body(body), response={})
            return out
        out.status, out.peer_exchange = response.status_code, response.headers.get("x-imgcloud-exchange")
        self._read(response.content, op, out)
        if out.result is not None and judge is not None:
            out.findings += list(judge(out.result))
        record.draft.add(out.findings)
        record.finish(method="POST", url=url, status=response.status_code, request=self._body(body),
                      response=self._body(response.content, response.headers.get("content-type")))
        return out

    def _read(self, content: bytes, op: wsdl.Operation, out: SoapResult) -> None:
        try:
            reply = envelope.read_reply(xml.parse(content, what="SOAP 应答 / the SOAP reply"), op)
        except xml.XmlRefused as exc:
            out.findings += exc.findings
            return
        except ValueError as exc:
            out.findings.append(RULES.finding("SOAP-REPLY-MALFORMED", detail=str(exc)))
            return
        if reply.fault_code is not None:
            out.fault = f"{reply.fault_code}: {reply.fault_string}"
            out.findings.append(RULES.finding("SOAP-FAULT-RECEIVED", code=reply.fault_code, message=reply.fault_string))
            return
        out.result = reply.result

    def _body(self, data: bytes, media_type: str | None = envelope.MEDIA_TYPE) -> dict[str, object]:
        if self.sandbox is None:
            return {}
        cfg = self.sandbox.config.exchange_log
        return body_record(data, media_type, limit=cfg.body_limit, head=cfg.head_bytes)

    def close(self) -> None:
        if self._own:
            self.http.close()
