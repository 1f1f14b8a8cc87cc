"""Hostile XML is refused before anything expands or is fetched (reference/transports/soap/xml.py):
XML bombs, external entities (XXE), oversized, too deep — in the SOAP envelope and in the
document carried as text — each answered natively (a Fault, or 004's -3) and recorded."""
from __future__ import annotations

import time
from xml.sax.saxutils import escape

import pytest

from reference.transports.soap import xml

SERVICE = "/YlzSynInfoService/services/service"
BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
        '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>')
XXE = '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
ENVELOPE = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            '<ns:SynApplyInfo xmlns:ns="http://service.ylz.com/"><req>{req}</req></ns:SynApplyInfo></soap:Body></soap:Envelope>')


def _call(running, body: bytes):  # type: ignore[no-untyped-def]
    reply = running.client.post(SERVICE, content=body, headers={"content-type": "text/xml"})
    running.sandbox.exchanges.flush()
    record = running.sandbox.exchanges.query(uid=reply.headers["x-imgcloud-exchange"])[0]
    return reply, record


@pytest.mark.parametrize("prefix", [BOMB, XXE], ids=["bomb", "xxe"])
def test_a_dtd_in_the_envelope_is_refused_with_a_fault(running, prefix):
    body = prefix + ENVELOPE.format(req="&lol5;&xxe;")
    t0 = time.perf_counter()
    reply, record = _call(running, body.encode())
    assert time.perf_counter() - t0 < 5  # nothing expanded
    assert reply.status_code == 500 and "soap:Client" in reply.text and "XML-DTD" in reply.text
    assert "root:" not in reply.text and "lollol" not in reply.text
    assert record["transport"] == "soap" and record["verdict"] == "fail"
    assert [f["rule"] for f in record["findings"]] == ["XML-DTD"]


@pytest.mark.parametrize("prefix", [BOMB, XXE], ids=["bomb", "xxe"])
def test_a_dtd_in_the_carried_document_is_minus_3(running, prefix):
    document = prefix + "<XmlDocument><Header><Application>&lol5;&xxe;</Application></Header></XmlDocument>"
    reply, record = _call(running, ENVELOPE.format(req=escape(document)).encode())
    assert reply.status_code == 200 and "&lt;code&gt;-3&lt;/code&gt;" in reply.text and "XML-DTD" in reply.text
    assert "root:" not in reply.text
    assert record["findings"][0]["rule"] == "XML-DTD" and record["findings"][0]["path"] == "req"


def test_utf16_doctype_is_refused_too(running):
    body = (XXE + ENVELOPE.format(req="&xxe;")).replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
    reply, _ = _call(running, body)
    assert reply.status_code == 500 and "XML-DTD" in reply.text


def test_too_large_and_too_deep(running):
    big = ENVELOPE.format(req="x" * (xml.MAX_BYTES + 10)).encode()
    reply, record = _call(running, big)
    assert reply.status_code == 413 and "XML-TOO-LARGE" in reply.text
    assert record["request"].get("truncated") or record["request"]["size"] <= xml.MAX_BYTES + 1
    deep = ENVELOPE.format(req="<a>" * 200 + "x" + "</a>" * 200).encode()
    reply, _ = _call(running, deep)
    assert reply.status_code == 500 and ("XML-TOO-DEEP" in reply.text or "XML-MALFORMED" in reply.text)


def test_other_methods_and_the_description_page(running):
    page = running.client.get(SERVICE)
    assert page.status_code == 200 and "SynApplyInfo" in page.text and "?wsdl" in page.text
    reply = running.client.put(SERVICE, content=b"<x/>", headers={"content-type": "text/xml"})
    assert reply.status_code == 500 and "SOAP-METHOD" in reply.text


def test_the_parser_refuses_entities_and_limits_depth():
    with pytest.raises(xml.XmlRefused) as caught:
        xml.parse(XXE + "<a>&xxe;</a>", what="t")
    assert caught.value.findings[0].rule == "XML-DTD"
    with pytest.raises(xml.XmlRefused) as caught:
        xml.parse("<a>" * (xml.MAX_DEPTH + 2) + "</a>" * (xml.MAX_DEPTH + 2), what="t")
    assert caught.value.findings[0].rule == "XML-TOO-DEEP"
    with pytest.raises(xml.XmlRefused) as caught:
        xml.parse("<a><b></a>", what="t")
    found = caught.value.findings[0]
    assert found.rule == "XML-MALFORMED" and "第 1 行" in found.zh and "line 1" in found.en


def test_spaced_tags_are_repaired_and_located():
    text, repairs = xml.repair_tag_spaces("<Exam>\n< ApplyNo >1</ApplyNo>\n<Operater code=\"1\">管理员</ Operater></Exam>")
    assert xml.parse(text, what="t").findtext("ApplyNo") == "1"
    assert [(r.line, r.column, r.original) for r in repairs] == [(2, 1, "< ApplyNo >"), (3, 23, "</ Operater>")]
