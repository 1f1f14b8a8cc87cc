"""Recorded SOAP calls as ``soap:`` steps (record and replay, issue 13): the operation of the
family's WSDL with the recorded arguments, expecting the recorded HTTP status and the result
document's ``code`` (SynApplyInfo / SynStatusInfo answer ``<response><code>``, seeds/004 §3.4) or
the recorded Fault.  A request the step could not send the same way (not a SOAP 1.1 envelope,
another namespace or SOAPAction, a document sent as elements) is replayed as the raw document
(``http.send``), so the vendor's mistake is made again.  An issued license inside a document is a
variable (``Plan.hide_credentials``).
"""
from __future__ import annotations

import re
from typing import Any

from reference.families import all_families
from reference.transports.soap import envelope as soap_envelope
from reference.transports.soap import wsdl, xml

from .http import expectations, send_step
from .plan import Plan, escape


def _service(family: str | None) -> tuple[str, wsdl.Service] | None:
    found = next((f for f in all_families() if f.name == family and f.wsdl), None)
    return (found.party, wsdl.load(found.wsdl)) if found is not None and found.wsdl else None


def _path_vars(template: str, url: str) -> dict[str, str] | None:
    """``/his/{hospital}/SynStatusInfo`` against ``/his/H1/SynStatusInfo``: ``{hospital: H1}``."""
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/?]+)", re.escape(template))
    found = re.fullmatch(pattern, url.split("?", 1)[0])
    return found.groupdict() if found else None


def _call(exchange: dict[str, Any], party: str, service: wsdl.Service, namespace: str) -> soap_envelope.Call | None:
    """The recorded call, when a ``soap:`` step sends it the same way."""
    body = (exchange.get("request") or {}).get("body")
    action = ((exchange.get("request") or {}).get("headers") or {}).get("soapaction")
    if not isinstance(body, str):
        return None
    try:
        call = soap_envelope.read_call(xml.parse(body, what="request"), service, namespace=namespace)
    except (xml.XmlRefused, soap_envelope.SoapFault, ValueError):
        return None
    if call.findings or str(action or "").strip('"') != call.operation.name:
        return None
    return call


def _expect_result(exchange: dict[str, Any], operation: wsdl.Operation) -> list[dict[str, Any]]:
    body = (exchange.get("response") or {}).get("body")
    if not isinstance(body, str):
        return []
    try:
        reply = soap_envelope.read_reply(xml.parse(body, what="reply"), operation)
    except (xml.XmlRefused, ValueError):
        return []
    if reply.fault_code is not None:
        return [{"path": "$.fault", "matches": "^" + re.escape(reply.fault_code) + ":"}]
    try:
        root = xml.parse(reply.result or "", what="result")
    except (xml.XmlRefused, ValueError):
        return []
    code = next((c for c in root if isinstance(c.tag, str) and xml.local(c) == "code"), None)
    if code is None:
        return []
    return [{"xpath": f"/{xml.local(root)}/code", "equals": xml.text_of(code)}]


def soap_step(plan: Plan, exchange: dict[str, Any]) -> None:
    found = _service(exchange.get("family"))
    if found is None:
        plan.skip(exchange, f"no WSDL is known for family {exchange.get('family')}")
        return
    party, service = found
    namespace = plan.config.parties[party].soap_namespace or service.namespace
    call = _call(exchange, party, service, namespace)
    params = _path_vars(service.path, str(exchange.get("url") or ""))
    if call is None or params is None or any(plan.vars.get(k, v) != v for k, v in params.items()):
        send_step(plan, exchange, lambda *_: None)  # sent again as it was: the raw document
        return
    plan.vars.update(params)
    args = {k: plan.hide_credentials(escape(v), exchange.get("institution")) for k, v in call.params.items()}
    rules = [e for e in expectations(exchange) if "finding" in e]
    plan.add({"id": f"x{exchange['id']}", "title": f"录制的交换 / recorded exchange #{exchange['id']} ({exchange['time']}): "
              f"{call.operation.name}", "soap": f"{party}.{call.operation.name}", "args": args,
              "expect": [{"path": "$.status", "equals": exchange["status"]}, *_expect_result(exchange, call.operation),
                         *rules]})
