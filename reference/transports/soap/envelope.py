"""SOAP 1.1 envelopes (W3C Note 2000-05-08): reading a call, writing a reply or a Fault.

A call is read into the operation's parameters as text.  A parameter carries an XML document
as text — escaped or in a CDATA section, both arrive as text here; one sent as child elements
instead is serialised back to text and named (SOAP-PARAM-ELEMENT).  Refusals are
``SoapFault``: the transport's error boundary answers them with a Fault.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from lxml import etree

from reference.config import ValidationMode
from reference.errors import NativeError
from reference.rules import RULES, Finding

from . import xml
from .wsdl import Operation, Service

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
MEDIA_TYPE = "text/xml; charset=utf-8"


class SoapFault(NativeError):
    """Refuse a request at the SOAP level: answered with a Fault (``code`` Client, Server or VersionMismatch)."""

    def __init__(self, findings: Sequence[Finding], code: str = "Client") -> None:
        super().__init__(findings)
        self.code = code


@dataclass
class Call:
    """A call as read: the operation, its parameters as text, and what was noticed on the way."""

    operation: Operation
    params: dict[str, str]
    findings: list[Finding] = field(default_factory=list)


def _child(node: etree._Element, ns: str, name: str) -> etree._Element | None:
    return node.find(f"{{{ns}}}{name}")


def read_call(root: etree._Element, service: Service, *, namespace: str, mode: ValidationMode = "strict") -> Call:
    """The operation and parameters of an Envelope, or ``SoapFault`` saying what is wrong."""
    qname = etree.QName(root)
    if qname.namespace == SOAP12:
        raise SoapFault([RULES.finding("SOAP-VERSION", detail=f"envelope namespace {SOAP12}")], "VersionMismatch")
    if qname.localname != "Envelope" or qname.namespace != SOAP11:
        raise SoapFault([RULES.finding("SOAP-NOT-ENVELOPE", expected=f"{{{SOAP11}}}Envelope", actual=qname.text)],
                        "VersionMismatch" if qname.localname == "Envelope" else "Client")
    body = _child(root, SOAP11, "Body")
    element = next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
    if element is None:
        raise SoapFault([RULES.finding("SOAP-NO-BODY", path="Envelope/Body")])
    name = xml.local(element)
    operation = next((op for op in service.operations.values() if op.request == name), None)
    if operation is None:
        raise SoapFault([RULES.finding("SOAP-OPERATION-UNKNOWN", path=f"Envelope/Body/{name}", operation=name,
                                       known=", ".join(service.operations))])
    findings = []
    actual = etree.QName(element).namespace
    if actual != namespace:
        findings.append(RULES.finding("SOAP-NAMESPACE", mode=mode, path=f"Envelope/Body/{name}",
                                      operation=name, actual=actual or "", expected=namespace))
        if any(f.is_error for f in findings):
            raise SoapFault(findings)
    params: dict[str, str] = {}
    for child in element:
        if not isinstance(child.tag, str) or xml.local(child) not in operation.params:
            continue
        param = xml.local(child)
        if len(child):  # the document sent as elements, not as text
            findings.append(RULES.finding("SOAP-PARAM-ELEMENT", path=f"Envelope/Body/{name}/{param}", param=param))
            params[param] = "".join(etree.tostring(c, encoding="unicode") for c in child)
        else:
            params[param] = child.text or ""
    return Call(operation, params, findings)


_ACTION_SEPARATORS = re.compile(r"[/#:]")


def action_named(header: str | None) -> str | None:
    """The operation a SOAPAction header names: its last part (``"SynApplyInfo"``,
    ``"urn:SynApplyInfo"``, ``"http://service.ylz.com/SynApplyInfo"``); None when absent or
    empty (``""``: "the intent is the request URI", SOAP 1.1 §6.1.1)."""
    value = (header or "").strip().strip('"').strip()
    parts = [p for p in _ACTION_SEPARATORS.split(value) if p]
    return parts[-1] if parts else None


def check_action(header: str | None, operation: Operation, elsewhere: dict[str, str], *,
                 mode: ValidationMode = "strict") -> list[Finding]:
    """Findings when the SOAPAction header names another operation than the Body's
    (``elsewhere``: every SOAP operation the sandbox serves -> its service's address path).

    The WSDLs declare ``soapAction=""``: the Body decides.  A header naming *another* known
    operation is a client set up for another call (a copied request): a server dispatching on
    the header (Axis2) runs that operation or finds none, CXF refuses the mismatch
    (SOAP_ACTION_MISMATCH) — an error (a warning when lenient).  A header naming no operation
    at all is ignored by those stacks (they fall back to the Body): a warning."""
    named = action_named(header)
    if named is None or named == operation.name:
        return []
    path, action = "HTTP header SOAPAction", (header or "").strip()
    if named in elsewhere:
        return [RULES.finding("SOAP-ACTION-MISMATCH", mode=mode, path=path, action=action, named=named,
                              service=elsewhere[named], operation=operation.name)]
    return [RULES.finding("SOAP-ACTION-UNKNOWN", path=path, action=action, named=named, operation=operation.name,
                          known=", ".join(elsewhere))]


def envelope(body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>{body}'
            f"</soap:Body></soap:Envelope>").encode()


def reply(operation: Operation, namespace: str, result: str) -> bytes:
    """The operation's response element with its one result, as text (escaped)."""
    return envelope(f'<ns:{operation.response} xmlns:ns="{namespace}"><{operation.result}>{escape(result)}'
                    f"</{operation.result}></ns:{operation.response}>")


def request(operation: Operation, namespace: str, params: dict[str, str]) -> bytes:
    """A call as a client sends it (document/literal wrapped, unqualified parameters)."""
    inner = "".join(f"<{name}>{escape(params[name])}</{name}>" for name in operation.params if name in params)
    return envelope(f'<ns:{operation.request} xmlns:ns="{namespace}">{inner}</ns:{operation.request}>')


def fault(code: str, findings: Sequence[Finding]) -> bytes:
    """A SOAP 1.1 Fault: ``faultstring`` every finding (中文 / English), ``detail`` each as an element."""
    text = "；".join(f.text() for f in findings) or "SOAP Fault"
    items = "".join(f'<finding rule="{escape(f.rule)}" severity="{f.severity}" path="{escape(f.path)}">'
                    f"<zh>{escape(f.zh)}</zh><en>{escape(f.en)}</en></finding>" for f in findings)
    return envelope(f"<soap:Fault><faultcode>soap:{code}</faultcode><faultstring>{escape(text)}</faultstring>"
                    f'<detail><findings xmlns="urn:imgcloud-sandbox:findings">{items}</findings></detail></soap:Fault>')


@dataclass
class Reply:
    """A peer's answer as read by a client: the result text, or the Fault."""

    result: str | None = None
    fault_code: str | None = None
    fault_string: str | None = None


def read_reply(root: etree._Element, operation: Operation) -> Reply:
    """The result of ``operation`` in a reply Envelope (``ValueError`` when it is none)."""
    body = _child(root, SOAP11, "Body") if etree.QName(root).localname == "Envelope" else None
    if body is None:
        raise ValueError(f"no SOAP 1.1 Envelope/Body (root {etree.QName(root).text})")
    found = _child(body, SOAP11, "Fault")
    if found is not None:
        return Reply(fault_code=xml.text_of(found.find("faultcode")), fault_string=xml.text_of(found.find("faultstring")))
    element = next((c for c in body if isinstance(c.tag, str)), None)
    if element is None or xml.local(element) != operation.response:
        got = xml.local(element) if element is not None else "nothing"
        raise ValueError(f"expected {operation.response} in the Body, got {got}")
    result = next((c for c in element if isinstance(c.tag, str) and xml.local(c) == operation.result), None)
    if result is None:
        return Reply(result="")
    return Reply(result=result.text or "" if not len(result) else "".join(etree.tostring(c, encoding="unicode") for c in result))
