"""SOAP faults (issue 13) on the real SOAP transport (raw HTTP POSTs of a SOAP 1.1 call): a Fault,
the operation's own failure reply with a wrong code, a delay, and a body fault — each marked."""
from __future__ import annotations

import time

import pytest
from lxml import etree

from tests.console.conftest import World

SERVICE = "/YlzSynInfoService/services/service"
CALL = (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b'<ns:SynApplyInfo xmlns:ns="http://service.ylz.com/"><req>&lt;XmlDocument/&gt;</req></ns:SynApplyInfo>'
        b'</soap:Body></soap:Envelope>')


def _fault(world: World, **fault: object) -> dict:
    reply = world.http.post("/_sandbox/faults", json={"party": "regional_platform", "operation": "SynApplyInfo",
                                                       **fault})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _call(world: World) -> tuple[int, bytes, dict]:
    reply = world.http.post(SERVICE, content=CALL, headers={"content-type": "text/xml; charset=utf-8"})
    recorded = world.http.get("/_sandbox/exchanges", params={"uid": reply.headers["x-imgcloud-exchange"]}).json()[0]
    return reply.status_code, reply.content, recorded


def test_soap_fault_with_the_code_set(world: World) -> None:
    _fault(world, kind="soap-fault", code="Server")
    status, body, recorded = _call(world)
    root = etree.fromstring(body)
    assert status == 500 and root.findtext(".//faultcode") == "soap:Server"
    assert "FAULT-INJECTED" in (root.findtext(".//faultstring") or "")
    assert recorded["response"]["fault"]["kind"] == "soap-fault"


def test_the_operations_own_reply_with_a_wrong_code(world: World) -> None:
    _fault(world, kind="status", code="-88")
    status, body, recorded = _call(world)
    result = etree.fromstring(body).findtext(".//return") or ""
    assert status == 200 and "<code>-88</code>" in result and "FAULT-INJECTED" in result
    assert recorded["response"]["fault"] == {"id": "f1", "kind": "status", "party": "regional_platform",
                                             "operation": "SynApplyInfo", "code": "-88"}


def test_a_delay_holds_the_reply(world: World) -> None:
    started = time.monotonic()
    _call(world)
    clean = time.monotonic() - started
    _fault(world, kind="delay", delay_ms=300)
    started = time.monotonic()
    status, body, recorded = _call(world)
    assert time.monotonic() - started >= clean + 0.25 and b"SynApplyInfoResponse" in body
    assert recorded["response"]["fault"]["kind"] == "delay"


@pytest.mark.parametrize("kind", ["empty", "truncated"])
def test_body_faults_spoil_the_envelope(world: World, kind: str) -> None:
    _fault(world, kind=kind)
    _, body, recorded = _call(world)
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(body)
    assert recorded["response"]["fault"]["kind"] == kind
