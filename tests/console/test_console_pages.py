"""The console's pages over HTTP (issue 13): the timeline's queries (every filter, paging past the
newest page), one exchange in full with its findings and no inline base64, bodies to download, the
browser's icon never recorded, and the conformance report."""
from __future__ import annotations

import base64
import hashlib
import json
import re

import httpx
from markupsafe import escape

from reference.families import all_families
from tests.console.conftest import World


def _exchanges(world: World, **params: object) -> list[dict]:
    reply = world.http.get("/_sandbox/exchanges", params={"bodies": "none", **params})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_console_lists_every_family_from_the_records(world: World) -> None:
    for path in ("/", "/_sandbox/console"):
        page = world.http.get(path)
        assert page.status_code == 200 and "沙箱控制台 / sandbox console" in page.text
        for family in all_families():
            if not family.fallback:
                assert f"data-family='{family.name}'" in page.text


def test_favicon_is_answered_and_never_recorded(world: World) -> None:
    newest = _exchanges(world, limit=1)[0]["id"]
    for path in ("/favicon.ico", "/", "/_sandbox/console"):
        assert world.http.get(path).status_code == 200
    assert _exchanges(world, after=newest) == []


def test_filters_and_paging(world: World) -> None:
    transports = {e["transport"] for e in _exchanges(world, limit=1000)}
    assert {"http", "soap", "dicom", "sql"} <= transports
    for key in ("transport", "party", "family", "verdict", "direction"):
        value = _exchanges(world, limit=1)[0][key]
        assert {e[key] for e in _exchanges(world, **{key: value}, limit=200)} == {value}
    page1 = _exchanges(world, limit=5)
    page2 = _exchanges(world, limit=5, before=page1[-1]["id"])
    assert page2 and page2[0]["id"] < page1[-1]["id"]
    assert all("json" not in e["request"] and "base64" not in e["response"] for e in page1)
    failing = next(e for e in _exchanges(world, verdict="fail", limit=200) if e["findings"])
    rule = failing["findings"][0]["rule"]
    assert all(any(f["rule"] == rule for f in e["findings"]) for e in _exchanges(world, rule=rule, limit=200))
    every = _exchanges(world, limit=1000)
    middle = sorted(e["time"] for e in every)[len(every) // 2]
    early, late = _exchanges(world, until=middle, limit=1000), _exchanges(world, since=middle, limit=1000)
    assert early and late and all(e["time"] <= middle for e in early) and all(e["time"] >= middle for e in late)


def test_one_exchange_in_full_with_findings_and_no_inline_base64(world: World) -> None:
    world.http.post("/mie/api/mie/saveExamRpotImgIndx", json={"infno": "x"})
    failing = _exchanges(world, operation="saveExamRpotImgIndx", verdict="fail", limit=1)[0]
    page = world.http.get(f"/_sandbox/console/exchanges/{failing['uid']}")
    assert page.status_code == 200
    for finding in failing["findings"]:
        assert finding["rule"] in page.text and str(escape(finding["source"])) in page.text
        assert str(escape(finding["zh"])) in page.text and str(escape(finding["en"])) in page.text
    image = _exchanges(world, operation="queryImgCahe", limit=1)[0]
    page = world.http.get(f"/_sandbox/console/exchanges/{image['uid']}")
    assert page.status_code == 200 and len(page.text) < 60_000
    assert not re.search(r"[A-Za-z0-9+/]{400,}", page.text), "no inline base64"
    link = re.search(r"sha256 <code>([0-9a-f]{64})</code> · <a href='([^']+)'", page.text)
    assert link, page.text[:3000]
    download = world.http.get(link.group(2).replace("&amp;", "&"))
    # over the log's limit: the whole reply comes from the blob store, the sha256 shown is its digest
    assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == link.group(1)
    assert base64.b64decode(json.loads(download.content)["data"]["fileContent"])[128:132] == b"DICM"


def test_bodies_download(world: World) -> None:
    e = _exchanges(world, operation="saveExamRpotImgIndx", limit=1)[0]
    body = world.http.get(f"/_sandbox/exchanges/{e['uid']}/request")
    assert body.status_code == 200 and "attachment" in body.headers["content-disposition"]
    json.loads(body.content)
    missing = world.http.get("/_sandbox/exchanges/nope/request")
    assert missing.status_code == 404 and missing.json()["findings"][0]["rule"] == "SANDBOX-EXCHANGE-UNKNOWN"


def test_an_exchange_links_what_it_caused(world: World) -> None:
    upload = _exchanges(world, operation="saveExamRpotImgInfo", direction="inbound", limit=1)[0]
    page = world.http.get(f"/_sandbox/console/exchanges/{upload['uid']}").text
    caused = page[page.index("exchanges during this one"):]
    assert "fetch imgInfoDcm" in caused and "getFile" in caused  # the centre fetched the files while serving it
    led = page[page.index("what it led to"):]
    for operation in ("saveExamRpotImgIndx", "queryImgCaheFileSn", "queryImgCahe"):  # registration, then the pull
        assert operation in caused + led


def test_conformance_report(world: World) -> None:
    world.http.post("/mie/api/mie/saveExamRpotImgIndx", json={"infno": "x"})
    page = world.http.get("/_sandbox/report")
    assert page.status_code == 200 and "一致性报告 / conformance report" in page.text
    assert "data-family='nhsa-index'" in page.text and "seeds/000" in page.text
    assert re.search(r"id='score'>\d+\.\d%", page.text)
    assert "/_sandbox/console/exchanges/" in page.text
    download = world.http.get("/_sandbox/report", params={"download": "true", "institution": "H51080200011"})
    assert "attachment" in download.headers["content-disposition"]
    assert hashlib.sha256(download.content).hexdigest()


def test_console_js_has_no_build_step(world: World) -> None:
    page = world.http.get("/_sandbox/console").text
    assert "<script>" in page and "import " not in page.split("<script>")[1]
    assert httpx.URL(world.base).host == "127.0.0.1"


def _page_of_newest(world: World, **params: object) -> str:
    e = _exchanges(world, limit=1, **params)[0]
    return world.http.get(f"/_sandbox/console/exchanges/{e['uid']}").text


def test_near_misses_say_why_a_request_did_not_match(world: World) -> None:
    world.http.post("/mie/api/mie/saveExamRpotImgIndex", json={})  # a misspelt path
    page = _page_of_newest(world, transport="http", rule="HTTP-NOT-FOUND")
    assert "why didn't my request match?" in page
    assert "POST /mie/api/mie/saveExamRpotImgIndx" in page
    world.http.get("/mie/api/mie/saveExamRpotImgIndx")  # the right path, the wrong method
    page = _page_of_newest(world, transport="http", rule="HTTP-METHOD")
    assert "method GET → POST" in page
    envelope = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
                '<ns:SynApplyInf xmlns:ns="http://service.ylz.com/"><req/></ns:SynApplyInf></soap:Body></soap:Envelope>')
    world.http.post("/YlzSynInfoService/services/service", content=envelope, headers={"content-type": "text/xml"})
    page = _page_of_newest(world, transport="soap", rule="SOAP-OPERATION-UNKNOWN")
    assert "operation SynApplyInf → SynApplyInfo" in page
    from pynetdicom import AE
    from pynetdicom.sop_class import Verification
    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(Verification)
    assert ae.associate("127.0.0.1", world.pacs_port, ae_title="HOSP_PAC").is_rejected
    page = _page_of_newest(world, transport="dicom", rule="DICOM-CALLED-AE-UNKNOWN")
    assert "called AE HOSP_PAC → HOSP_PACS" in page


def test_conformance_report_as_pdf(world: World, tmp_path) -> None:
    import shutil
    import subprocess

    reply = world.http.get("/_sandbox/report", params={"format": "pdf", "download": "true"})
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/pdf"
    assert reply.content.startswith(b"%PDF") and "attachment" in reply.headers["content-disposition"]
    if shutil.which("pdftotext") is None:
        return
    (tmp_path / "r.pdf").write_bytes(reply.content)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, timeout=60).stdout
    assert "一致性报告 / conformance report" in text and "per interface family" in text and "per seed section" in text
