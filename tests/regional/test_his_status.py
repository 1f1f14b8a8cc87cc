"""The simulated HIS's SynStatusInfo (seeds/004 §3.4.2.1; INTERFACES.md §5): a well-formed call is
accepted and kept; 004's own (malformed) sample is refused naming the position in strict mode,
read with warnings in lenient mode."""
from __future__ import annotations

from xml.sax.saxutils import escape

from tests.regional import seed004
from tests.seeds import needs_seeds

PATH = "/his/H51080200011/SynStatusInfo"
ENVELOPE = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            '<ns:SynStatusInfo xmlns:ns="http://service.ylz.com/"><inputString>{text}</inputString></ns:SynStatusInfo>'
            "</soap:Body></soap:Envelope>")
GOOD = ('<?xml version="1.0" encoding="UTF-8"?><XmlDocument><Exam><ExamNo>00000001</ExamNo><ApplyNo>0011_00000001</ApplyNo>'
        '<SickNo>0011_C0001</SickNo><PatientSource>门诊</PatientSource><ExamStatus code="50">收到影像</ExamStatus>'
        "<OperateDate>2018-01-01</OperateDate><OperateTime>10:00:00</OperateTime></Exam></XmlDocument>")


def _send(running, text: str, path: str = PATH):  # type: ignore[no-untyped-def]
    return running.client.post(path, content=ENVELOPE.format(text=escape(text)).encode(), headers={"content-type": "text/xml"})


def test_a_status_is_accepted_and_kept(running):
    reply = _send(running, GOOD)
    assert reply.status_code == 200 and "&lt;code&gt;0&lt;/code&gt;" in reply.text
    kept = running.client.get("/_sandbox/state/his/H51080200011/status-received").json()
    assert kept[-1]["status"] == "50" and kept[-1]["applyNo"] == "0011_00000001" and kept[-1]["accepted"]
    wsdl = running.client.get(f"{PATH}?wsdl")
    assert wsdl.status_code == 200 and f'location="{running.config.public_url}{PATH}"' in wsdl.text


def test_a_wrong_status_and_an_unknown_hospital(running):
    reply = _send(running, GOOD.replace('code="50"', 'code="55"'))
    assert "&lt;code&gt;-1&lt;/code&gt;" in reply.text and "SCHEMA-ENUM" in reply.text
    kept = running.client.get("/_sandbox/state/his/H51080200011/status-received").json()
    assert kept[-1]["accepted"] is False
    nobody = _send(running, GOOD, "/his/H00000000000/SynStatusInfo")
    assert "&lt;code&gt;-1&lt;/code&gt;" in nobody.text


@needs_seeds("004")
def test_004s_sample_strict_then_lenient(make_running, make_config):
    sample = seed004.status_sample()
    strict = make_running(make_config())
    reply = _send(strict, sample)
    assert "&lt;code&gt;-1&lt;/code&gt;" in reply.text and "XML-MALFORMED" in reply.text and "第 " in reply.text
    strict.sandbox.exchanges.flush()
    record = strict.sandbox.exchanges.query(uid=reply.headers["x-imgcloud-exchange"])[0]
    spaced = [f for f in record["findings"] if f["rule"] == "XML-TAG-SPACE"]
    assert record["verdict"] == "fail" and len(spaced) == 2 and all(f["severity"] == "error" for f in spaced)
    assert "< ApplyNo >" in spaced[0]["zh"] and "</ Operater>" in spaced[1]["zh"]
    lenient = make_running(make_config(validation={"mode": "lenient"}))
    reply = _send(lenient, sample)
    assert "&lt;code&gt;0&lt;/code&gt;" in reply.text
    kept = lenient.client.get("/_sandbox/state/his/H51080200011/status-received").json()[-1]
    assert kept["status"] == "70" and kept["applyNo"] == "00000001"
    assert {f["rule"] for f in kept["findings"]} >= {"XML-TAG-SPACE"}
    positions = sorted(f["zh"].split("标签")[0] for f in kept["findings"] if f["rule"] == "XML-TAG-SPACE")
    assert len(positions) == 2


def test_the_platform_judges_the_his_reply():
    from reference.families.regional_archive.notify import judge

    assert judge('<?xml version="1.0" encoding="UTF-8"?><response><code>0</code><desc>成功</desc></response>') == []
    rejected = judge("<response><code>-1</code><desc>未找到申请单</desc></response>")
    assert [f.rule for f in rejected] == ["SIM-PEER-REJECTED"] and "未找到申请单" in rejected[0].zh
    assert [f.rule for f in judge("<result>ok</result>")] == ["SOAP-REPLY-MALFORMED"]
    assert [f.rule for f in judge("not xml")] == ["XML-MALFORMED"]
