"""The gateway live (seeds/001; INTERFACES.md flow B): a real sandbox with its DICOM SCPs on free
ports and a frozen clock.  The gateway collects from the hospital (reports over HTTP and from the
view through the SQL transport, studies by C-MOVE and by WADO-URI), checks reports against images,
uploads; the seed's own URLs answer as 001 shows (the QR code read back by zbarimg); every exchange
(HTTP, SQL, DICOM) is in /_sandbox/exchanges; what goes wrong on the hospital's side is named."""
from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from reference.clock import FrozenClock
from reference.config import GatewaySourceConfig
from reference.crypto import sm2
from reference.families.gateway import collect, plugin, reports
from reference.families.hospital_pacs.database import REPORTS, database_url, engine_for
from reference.sandbox import Sandbox
from sim.cli import app
from sim.localnet import dicom_config
from sim.scenario.server import running_sandbox, with_public_url
from tests.conftest import NOW

H1, H2 = "H51080200011", "H51080200012"
ZBAR = shutil.which("zbarimg")


def _examine(http: httpx.Client, hospital: str, count: int, seed: int) -> list[dict[str, Any]]:
    reply = http.post("/_sandbox/actions/hospital-examine",
                      json={"hospital": hospital, "count": count, "seed": seed, "instancesPerSeries": 1})
    assert reply.status_code == 200, reply.text
    return reply.json()["exams"]


def _pull(http: httpx.Client, **body: Any) -> dict[str, Any]:
    reply = http.post("/_sandbox/actions/gateway-pull", json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    clock = FrozenClock(NOW)
    config = dicom_config(tmp_path_factory.mktemp("gateway") / "home")
    with running_sandbox(config, clock=clock, dicom=True) as base, httpx.Client(base_url=base, timeout=300) as http:
        sandbox = Sandbox.open(with_public_url(config, base), clock=clock, migrate=False)
        try:
            exams = _examine(http, H1, 3, seed=45)  # CT, DX, MR
            yield {"http": http, "base": base, "sandbox": sandbox, "clock": clock, "exams": exams,
                   "pulled": _pull(http, hospital=H1, source="http", images="move", days=40)}
        finally:
            sandbox.close()


def _exchanges(live: dict[str, Any], **query: Any) -> list[dict[str, Any]]:
    return live["http"].get("/_sandbox/exchanges", params={"limit": 500, **query}).json()


def test_the_gateway_collects_and_uploads_over_http_and_c_move(live):
    pulled, exams = live["pulled"], live["exams"]
    assert (pulled["source"], pulled["images"], pulled["reports"], pulled["findings"]) == ("http", "move", 3, [])
    by_no = {e["examNo"]: e for e in pulled["exams"]}
    for exam in exams:
        got = by_no[exam["examNo"]]
        assert got["status"] == "uploaded" and got["upload"]["succFlag"] == "1", got
        assert got["instances"] == exam["instances"] and got["hiImgIndx"] == exam["hiImgIndx"]
    state = live["http"].get(f"/_sandbox/state/gateway/exams/{H1}/{exams[0]['accessionNo']}").json()
    assert state["exists"] and state["exams"][0]["status"] == "uploaded" and state["exams"][0]["source"] == "http"


def test_the_view_the_pull_c_move_and_wado_agree_on_every_uid(live):
    again = _pull(live["http"], hospital=H1, source="view", images="wado", type="1", days=40)
    assert again["source"] == "view" and again["findings"] == []
    assert sorted(e["studyUid"] for e in again["exams"]) == sorted(e["studyUid"] for e in live["pulled"]["exams"])
    assert all(e["status"] == "uploaded" for e in again["exams"])  # already collected: not again
    moved = _exchanges(live, operation="C-MOVE", direction="outbound")
    stored = {e["request"]["SOPInstanceUID"] for e in _exchanges(live, family="gateway-store", operation="C-STORE")}
    assert {sop for exam in live["exams"] for sop in exam["sopUids"]} <= stored
    assert len(moved) >= 3 and all(e["status"] == 0 for e in moved)


def test_a_hospital_read_from_its_view_with_wado_links(live):
    """H2's configured way (parties.gateway.gateway.sources): the view, and the WADO-URI links."""
    exams = _examine(live["http"], H2, 1, seed=46)
    pulled = _pull(live["http"], hospital=H2, days=40)
    assert (pulled["source"], pulled["images"]) == ("view", "wado")
    assert [e["status"] for e in pulled["exams"]] == ["uploaded"], pulled
    assert pulled["exams"][0]["instances"] == exams[0]["instances"]
    wado = _exchanges(live, operation="wado", direction="outbound")
    assert {e["url"].split("objectUID=")[1].split("&")[0] for e in wado} >= set(exams[0]["sopUids"])


def test_every_exchange_is_in_the_log(live):
    sql = _exchanges(live, operation="View_Pacs_Text_Info")
    assert sql and all(e["transport"] == "sql" and e["direction"] == "outbound" and e["party"] == "gateway" for e in sql)
    assert all(e["verdict"] == "pass" and "View_Pacs_Text_Info" in e["request"]["sql"] for e in sql)
    pulls = _exchanges(live, operation="getReportInfo")
    assert {e["direction"] for e in pulls} == {"inbound", "outbound"} and all(e["transport"] == "http" for e in pulls)
    assert {e["family"] for e in _exchanges(live, operation="C-MOVE")} == {"dicom", "hospital-pacs"}
    uploads = _exchanges(live, operation="saveExamRpotImgInfo", direction="outbound")
    assert uploads and all(e["party"] == "gateway" and e["verdict"] == "pass" for e in uploads)
    fetched = _exchanges(live, operation="fetch imgInfoDcm")  # the centre fetched the study from the gateway
    assert fetched and all("/getway/reportAndFilm/files/" in e["url"] for e in fetched)


def test_the_seeds_own_urls(live):
    exam = live["exams"][0]
    assert exam["modality"] == "CT"
    http = live["http"]
    query = f"accessNumber={exam['accessionNo']}&modality=CT&hospitalId={H1}"
    url_reply = http.get(f"/getway/reportAndFilm/api/qrurl?{query}").json()
    assert url_reply["code"] == 200 and url_reply["message"] == "请求成功"
    assert url_reply["data"].startswith(f"{live['base']}/getway/film?info=")
    page = http.get(url_reply["data"])
    assert page.status_code == 200 and exam["psnName"] in page.text and "width=device-width" in page.text
    without = http.get(f"/getway/reportAndFilm/api/qrurl?accessNumber={exam['accessionNo']}&modality=CT").json()
    assert without["code"] == 202 and "[GW-PARAM-MISSING]" in without["message"] and "hospitalId" in without["message"]
    code_reply = http.get(f"/getway/reportAndFilm/api/qrcode?{query}").json()
    png = base64.b64decode(code_reply["data"])
    assert code_reply["code"] == 200 and png.startswith(b"\x89PNG\r\n\x1a\n")
    if ZBAR is None:
        pytest.skip("zbarimg (Debian zbar-tools) is not installed: tests/run.sh installs it")
    path = Path(live["sandbox"].config.home) / "qr.png"
    path.write_bytes(png)
    read = subprocess.run([ZBAR, "-q", "--raw", str(path)], capture_output=True, text=True, timeout=60)
    assert read.returncode == 0 and read.stdout.strip() == url_reply["data"]


def test_the_film_pages_images_and_pdf(live):
    exam = live["exams"][1]
    http = live["http"]
    url = http.get("/getway/reportAndFilm/api/qrurl", params={"accessNumber": exam["accessionNo"], "modality": exam["modality"],
                                                              "hospitalId": H1}).json()["data"]
    info = url.split("info=")[1]
    sop = exam["sopUids"][0]
    image = http.get("/getway/film/image", params={"info": info, "sop": sop, "size": 64})
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert http.get("/getway/film/pdf", params={"info": info}).content.startswith(b"%PDF-")
    unknown = http.get("/getway/film/image", params={"info": info, "sop": "1.2.3"})
    assert unknown.status_code == 404 and "GW-FILM-IMAGE-UNKNOWN" in unknown.text


def test_a_report_that_is_not_its_images_is_not_uploaded(live):
    exams = _examine(live["http"], H1, 1, seed=47)
    with engine_for(database_url(live["sandbox"].config)).begin() as conn:
        conn.execute(update(REPORTS).where(REPORTS.c.exam_no == exams[0]["examNo"]).values(patn_id="P-OTHER"))
    got = _pull(live["http"], hospital=H1, examNo=exams[0]["examNo"])["exams"][0]
    assert got["status"] == "mismatch" and not got["upload"]
    mismatch = [f for f in got["findings"] if f["rule"] == "GW-REPORT-IMAGE-MISMATCH"]
    assert mismatch and mismatch[0]["path"] == "patnId" and "PatientID" in mismatch[0]["en"]


def test_a_report_breaking_the_contract_is_named_at_its_field(live):
    exams = _examine(live["http"], H1, 1, seed=48)
    with engine_for(database_url(live["sandbox"].config)).begin() as conn:
        conn.execute(update(REPORTS).where(REPORTS.c.exam_no == exams[0]["examNo"]).values(sex="7", psn_name=None))
    got = _pull(live["http"], hospital=H1, source="view", examNo=exams[0]["examNo"])["exams"][0]
    assert got["status"] == "invalid"
    assert {(f["rule"], f["path"]) for f in got["findings"]} >= {("SCHEMA-DICTIONARY", "data[0].sex"),
                                                                  ("SCHEMA-REQUIRED", "data[0].psnName")}


def test_the_hospitals_side_failing_is_named(live):
    sandbox = live["sandbox"]
    query = reports.ReportQuery(H1, "3", NOW, NOW)
    gone = reports._by_view(sandbox, query, GatewaySourceConfig(reports="view", database_url="sqlite:////no/such/h.db"))
    assert [f.rule for f in gone.findings] == ["SQL-UNREACHABLE"]
    refused = collect.collect(sandbox, reports.ReportQuery(H1, "3", NOW.replace(year=2025), NOW), source="http")
    assert refused["reports"] == 0 and [f["rule"] for f in refused["findings"]] == ["GW-REPORT-REJECTED"]
    assert "HPACS-WINDOW-TOO-LONG" in refused["findings"][0]["en"]
    entry = sandbox.exchanges.query(operation="View_Pacs_Text_Info", verdict="error", limit=1)
    assert entry and entry[0]["transport"] == "sql" and "SQL-UNREACHABLE" in str(entry[0]["findings"])


def test_a_refunded_exam_is_recorded_not_collected(live):
    http = live["http"]
    exams = http.post("/_sandbox/actions/hospital-examine", json={"hospital": H1, "count": 1, "seed": 49, "refunds": [0],
                                                                 "instancesPerSeries": 1}).json()["exams"]
    got = _pull(http, hospital=H1, type="2", days=40)
    assert [(e["examNo"], e["status"]) for e in got["exams"]] == [(exams[0]["examNo"], "refunded")]


def test_the_cli_pulls_and_makes_the_qr_code(live, tmp_path):
    runner = CliRunner()
    pulled = runner.invoke(app, ["gateway", "pull", "--target", live["base"], "--hospital", H1, "--days", "40"])
    assert pulled.exit_code in (0, 1) and "uploaded" in pulled.output, pulled.output
    exam = live["exams"][2]
    png = tmp_path / "qr.png"
    made = runner.invoke(app, ["gateway", "qr", exam["accessionNo"], "--modality", exam["modality"], "--hospital", H1,
                               "--target", live["base"], "--png", str(png)])
    assert made.exit_code == 0, made.output
    assert made.output.splitlines()[0].startswith(f"{live['base']}/getway/film?info=") and png.read_bytes()[:4] == b"\x89PNG"
    bad = runner.invoke(app, ["gateway", "qr", "NOPE", "--target", live["base"]])
    assert bad.exit_code == 1 and "GW-UNKNOWN-ACCESSION" in bad.output


def test_the_gateway_serves_only_what_it_uploaded(live):
    http, exam = live["http"], live["exams"][0]
    row = http.get(f"/_sandbox/state/centre/S51080200001/exams/{exam['hiImgIndx']}").json()["row"]
    zip_url, pdf_url = row["imgInfoDcm"], row["examRpotPdfI"]
    assert "/getway/reportAndFilm/files/" in zip_url and zip_url.endswith(".zip")
    assert http.get(zip_url).content[:4] == b"PK\x03\x04" and http.get(pdf_url).content.startswith(b"%PDF-")
    wrong_kind = http.get(zip_url.removesuffix(".zip") + ".pdf")
    assert wrong_kind.status_code == 404 and "[GW-FILE-UNKNOWN]" in wrong_kind.json()["message"]


def test_a_patient_with_no_exams_elsewhere_is_an_empty_list(live):
    http = live["http"]
    key = http.get("/_sandbox/province-cloud/sm2-public-key").json()["publicKey"]
    login = {"hisUserId": "4001", "type": "1", "doctorName": "钱医生", "department": "放射科", "departmentCode": "FSK",
             "doctorSex": "1", "doctorType": "1", "doctorCode": "D51080200002", "hospitalId": H2,
             "doctorIdCardNo": sm2.encrypt("51080219800101001X", key)}
    assert http.get(plugin.build(login, "http", base=live["base"])).json()["code"] == 200
    reply = http.post("/iuWorkStation/swipingIdCardNo", json={"hisUserId": "4001", "hospitalId": H2, "patientName": "无名氏",
                                                              "idCardNo": sm2.encrypt("110101199003070016", key)}).json()
    assert reply["code"] == 200 and reply["data"]["count"] == 0 and reply["data"]["exams"] == []
    assert reply["message"] == "请求成功"  # the provincial cloud's 404 (none) is not a problem either
    bubble = http.get(reply["data"]["bubbleUrl"])
    assert bubble.status_code == 200 and "未发现外院检查" in bubble.text
