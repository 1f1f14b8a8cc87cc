"""SynApplyInfo as an integrator calls it: zeep loads our WSDL from ?wsdl and sends 004's own
sample <XmlDocument> (seeds/004 §3.4.1.1; INTERFACES.md §5) — every response code reachable."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import zeep
from lxml import etree

from reference.config import load_config
from sim.scenario.server import running_sandbox
from tests.regional import seed004
from tests.regional.helpers import exam, license_of, push, push_body
from tests.seeds import needs_seeds

pytestmark = needs_seeds("004")
SERVICE = "/YlzSynInfoService/services/service"


@pytest.fixture(scope="module")
def soap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    config = load_config(None, home=str(tmp_path_factory.mktemp("syninfo")))
    with running_sandbox(config) as url, httpx.Client(base_url=url, timeout=30) as http:
        client = zeep.Client(f"{url}{SERVICE}?wsdl")
        yield {"url": url, "http": http, "client": client, "config": config}


def _code(reply: str) -> tuple[str, str]:
    root = etree.fromstring(reply.encode())
    return root.findtext("code") or "", root.findtext("desc") or ""


def _sample(config, **replace: str) -> str:  # type: ignore[no-untyped-def]
    text = seed004.apply_sample().replace(seed004.SAMPLE_LICENSE, license_of(config))
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def _last(soap: dict[str, Any]) -> dict[str, Any]:
    return soap["http"].get("/_sandbox/exchanges", params={"family": "syninfo", "limit": 1}).json()[0]


def test_the_wsdl_is_served_with_this_sandbox_as_address(soap):
    wsdl = soap["http"].get(f"{SERVICE}?wsdl")
    assert wsdl.status_code == 200 and wsdl.headers["content-type"].startswith("text/xml")
    assert f'location="{soap["url"]}{SERVICE}"' in wsdl.text
    operation = soap["client"].service._binding._operations["SynApplyInfo"]  # zeep read the operation
    assert operation.name == "SynApplyInfo"
    xsd = soap["http"].get(f"{SERVICE}?xsd=apply")
    assert xsd.status_code == 200 and "XmlDocument" in xsd.text


def test_004s_sample_verbatim_then_update_then_the_codes(soap):
    client, config = soap["client"], soap["config"]
    assert _code(client.service.SynApplyInfo(_sample(config))) == ("0", "成功")
    sent = _last(soap)
    assert sent["transport"] == "soap" and sent["operation"] == "SynApplyInfo" and sent["verdict"] == "warn"
    rules = {f["rule"] for f in sent["findings"]}
    assert {"XML-STRAY-TEXT", "SYNINFO-TABLE-LENGTH"} <= rules  # the sample's own quirks, named
    assert sent["institution"] == "H51080200011"
    # UPDATE -> 0; INSERT again -> -1
    assert _code(client.service.SynApplyInfo(_sample(config, **{"<Action>INSERT</Action>": "<Action>UPDATE</Action>"})))[0] == "0"
    code, desc = _code(client.service.SynApplyInfo(_sample(config)))
    assert code == "-1" and "SYNINFO-APPLY-EXISTS" in desc
    # DELETE of an unknown apply form -> -99
    unknown = _sample(config, **{"<Action>INSERT</Action>": "<Action>DELETE</Action>", "医院ID_00000001": "医院ID_99999999"})
    code, desc = _code(client.service.SynApplyInfo(unknown))
    assert code == "-99" and "医院ID_99999999" in desc
    # DELETE naming another patient -> -2, nothing deleted
    other = _sample(config, **{"<Action>INSERT</Action>": "<Action>DELETE</Action>", "医院ID_C0001": "医院ID_C0002"})
    code, desc = _code(client.service.SynApplyInfo(other))
    assert code == "-2" and "SYNINFO-DELETE-MISMATCH" in desc
    # a field too long -> -3 naming it (and nothing stored changes)
    long_name = _sample(config, **{"<PatientName>肖萍</PatientName>": f"<PatientName>{'肖' * 21}</PatientName>"})
    code, desc = _code(client.service.SynApplyInfo(long_name))
    assert code == "-3" and "XmlDocument/Patient/PatientName" in desc and "21" in desc and "20" in desc
    finding = next(f for f in _last(soap)["findings"] if f["rule"] == "SCHEMA-MAXLENGTH")
    assert finding["path"] == "XmlDocument/Patient/PatientName" and "超过" in finding["zh"] and "exceeds" in finding["en"]
    state = soap["http"].get("/_sandbox/state/regional/applies/医院ID_00000001").json()
    assert state["status"] == "applied" and state["patientName"] == "肖萍"


def test_delete_after_examination_answers_88(soap):
    client, config, http = soap["client"], soap["config"], soap["http"]
    sample = _sample(config, **{"医院ID_00000001": "医院ID_00000002"})
    assert _code(client.service.SynApplyInfo(sample))[0] == "0"
    body = push_body(exam(config))
    body["examInfo"]["applyNo"] = "医院ID_00000002"  # the PACS fulfils the sample's apply form
    assert push(http, config, body)["status"] == 0
    assert http.get("/_sandbox/state/regional/applies/医院ID_00000002").json()["status"] == "registered"
    deleting = sample.replace("<Action>INSERT</Action>", "<Action>DELETE</Action>")
    code, desc = _code(client.service.SynApplyInfo(deleting))
    assert code == "-88" and "SYNINFO-APPLY-PROGRESSED" in desc
    code, _ = _code(client.service.SynApplyInfo(deleting.replace("<Action>DELETE</Action>", "<Action>UPDATE</Action>")))
    assert code == "-88"
    # the platform tells the HIS (the simulated one, over SOAP) 20 when pushed; a cancellation on request
    received = _wait_for(http, "0011_", "20")
    assert received["fields"]["XmlDocument"]["Exam"]["ExamNo"] == body["examNo"]
    cancelled = http.post("/_sandbox/actions/regional-exam-status",
                          json={"hospitalCode": "0011", "examNo": body["examNo"], "status": "00"}).json()
    assert cancelled["ok"] and "&lt;code&gt;0&lt;/code&gt;" not in str(cancelled["reply"]) and "<code>0</code>" in cancelled["reply"]
    assert _wait_for(http, "0011_", "00")["accepted"]
    # before the exam, DELETE works and the apply form is gone (-99 afterwards)
    fresh = _sample(config, **{"医院ID_00000001": "医院ID_00000003"})
    assert _code(client.service.SynApplyInfo(fresh))[0] == "0"
    gone = fresh.replace("<Action>INSERT</Action>", "<Action>DELETE</Action>")
    assert _code(client.service.SynApplyInfo(gone))[0] == "0"
    assert _code(client.service.SynApplyInfo(gone))[0] == "-99"


def _wait_for(http: httpx.Client, prefix: str, status: str) -> dict[str, Any]:
    """The HIS's record of ``status`` (sent by a job of the platform)."""
    import time

    deadline = time.monotonic() + 20
    while True:
        received = http.get("/_sandbox/state/his/H51080200011/status-received").json()
        found = [r for r in received if r["status"] == status]
        if found or time.monotonic() > deadline:
            assert found, received
            return dict(found[-1])
        time.sleep(0.1)


def test_the_tables_structure_is_accepted_and_named(soap):
    config = soap["config"]
    table_form = _sample(config, **{"医院ID_00000001": "医院ID_00000004"})
    start, end = table_form.index("<ExamItems>"), table_form.index("</ExamItems>") + len("</ExamItems>")
    items = ('<ExamItem><Item code="001" Cost="153.45" Charge="153.45" OrderNo="123456" Count="1">肺部检查项目</Item>'
             '<Item code="002" Cost="123.45" Charge="123.45" OrderNo="123457" Count="1">脊椎检查项目</Item></ExamItem>')
    assert _code(soap["client"].service.SynApplyInfo(table_form[:start] + items + table_form[end:]))[0] == "0"
    assert "SYNINFO-TABLE-FORM" in {f["rule"] for f in _last(soap)["findings"]}
    neither = table_form[:start] + table_form[end:]
    code, desc = _code(soap["client"].service.SynApplyInfo(neither.replace("00000004", "00000005")))
    assert code == "-3" and "SYNINFO-ITEMS-REQUIRED" in desc


def test_conditional_and_license_rules(soap):
    config = soap["config"]
    outpatient = _sample(config, **{'<PatientClass code="IN">住院</PatientClass>': '<PatientClass code="OU">门诊</PatientClass>',
                                    "医院ID_00000001": "医院ID_00000006"})
    code, desc = _code(soap["client"].service.SynApplyInfo(outpatient))
    assert code == "-3" and "SYNINFO-CLASS-REQUIRED" in desc and "OutPatientNo" in desc
    wrong_license = seed004.apply_sample().replace("医院ID_00000001", "医院ID_00000007")  # 004's own license: not issued
    code, desc = _code(soap["client"].service.SynApplyInfo(wrong_license))
    assert code == "-3" and "SYNINFO-LICENSE" in desc


def _post(soap: dict[str, Any], body: bytes, content_type: str = "text/xml; charset=utf-8") -> httpx.Response:
    return soap["http"].post(SERVICE, content=body, headers={"content-type": content_type})


ENVELOPE = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            '<ns:SynApplyInfo xmlns:ns="http://service.ylz.com/">{inner}</ns:SynApplyInfo></soap:Body></soap:Envelope>')


def test_cdata_and_elements_are_both_read(soap):
    config = soap["config"]
    cdata = _sample(config, **{"医院ID_00000001": "医院ID_00000008"})
    reply = _post(soap, ENVELOPE.format(inner=f"<req><![CDATA[{cdata}]]></req>").encode())
    assert reply.status_code == 200 and "&lt;code&gt;0&lt;/code&gt;" in reply.text
    as_elements = _sample(config, **{"医院ID_00000001": "医院ID_00000009"}).split("?>", 1)[1]
    reply = _post(soap, ENVELOPE.format(inner=f"<req>{as_elements}</req>").encode())
    assert "&lt;code&gt;0&lt;/code&gt;" in reply.text
    assert "SOAP-PARAM-ELEMENT" in {f["rule"] for f in _last(soap)["findings"]}


@pytest.mark.parametrize(("body", "content_type", "fault", "rule"), [
    (b"not xml at all", "text/xml", "soap:Client", "XML-MALFORMED"),
    (b"<x/>", "text/xml", "soap:Client", "SOAP-NOT-ENVELOPE"),
    (ENVELOPE.format(inner="<req>x</req>").replace("SynApplyInfo", "SynApply").encode(), "text/xml", "soap:Client",
     "SOAP-OPERATION-UNKNOWN"),
    (ENVELOPE.format(inner="").encode(), "text/xml", "soap:Client", "SOAP-PARAM-MISSING"),
    (ENVELOPE.format(inner="<req>x</req>").encode(), "application/soap+xml", "soap:VersionMismatch", "SOAP-VERSION"),
    (ENVELOPE.format(inner="<req>x</req>").replace("http://schemas.xmlsoap.org/soap/envelope/",
                                                   "http://www.w3.org/2003/05/soap-envelope").encode(),
     "text/xml", "soap:VersionMismatch", "SOAP-VERSION"),
    (ENVELOPE.format(inner="<req>x</req>").encode(), "application/json", "soap:Client", "SOAP-CONTENT-TYPE"),
])
def test_malformed_calls_get_a_fault(soap, body, content_type, fault, rule):
    reply = _post(soap, body, content_type)
    assert reply.status_code == 500 and fault in reply.text and rule in reply.text
    record = soap["http"].get("/_sandbox/exchanges", params={"uid": reply.headers["x-imgcloud-exchange"]}).json()[0]
    assert record["transport"] == "soap" and record["verdict"] == "fail" and rule in {f["rule"] for f in record["findings"]}


def test_a_malformed_apply_form_is_minus_3(soap):
    reply = _post(soap, ENVELOPE.format(inner="<req>&lt;XmlDocument&gt;&lt;Header&gt;</req>").encode())
    assert reply.status_code == 200 and "&lt;code&gt;-3&lt;/code&gt;" in reply.text and "XML-MALFORMED" in reply.text
