"""Flow A end to end on a live sandbox (INTERFACES.md flow A): the simulated hospital
uploads exams with PDF and DICOM to the centre, the centre registers the indexes with the
province, the province pulls every image and verifies it, deletion withdraws it all."""
from __future__ import annotations

import copy
import hashlib
from datetime import datetime
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from reference.config import load_config
from reference.national.request import envelope
from sim.scenario.server import running_sandbox
from tests.flow_helpers import CENTRE, HOSPITAL, centre_state, province_state, settled, upload, wait_for

SAVE_INFO = "/mie/api/mie/saveExamRpotImgInfo"
IMGDLD = f"/centre/{CENTRE}/imgDld"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Any]]:
    config = load_config(None, home=str(tmp_path_factory.mktemp("flow-a")))
    with running_sandbox(config) as base, httpx.Client(base_url=base, timeout=120) as http:
        yield http, load_config(None, home=config.home, listen={"public_url": base})


@pytest.fixture(scope="module")
def uploaded(live) -> list[dict[str, Any]]:
    http, _ = live
    return upload(http, 2, seed=101) + upload(http, 1, seed=202, dicomForm="wado")


def test_hospital_upload_is_stored_registered_and_pulled(live, uploaded):
    http, _ = live
    for exam in uploaded:
        assert exam["result"]["succFlag"] == "1", exam["result"]
        centre, province = settled(http, exam["hiImgIndx"])
        assert centre["status"] == "registered", centre
        assert province["pullStatus"] == "pulled", province
        hospital_files = [i["sha256"] for i in exam["instances"]]
        assert [i["sha256"] for i in centre["instances"]] == hospital_files  # stored byte-identical
        assert [i["sha256"] for i in province["images"]] == hospital_files  # pulled byte-identical
        assert province["row"]["imgDldLink"].endswith(IMGDLD)


def test_image_download_service(live, uploaded):
    http, _ = live
    hi = uploaded[0]["hiImgIndx"]
    listing = http.post(IMGDLD, json={"hiImgIndx": hi, "serviceName": "queryImgCaheFileSn"}).json()
    assert listing["code"] == 0 and listing["data"]["hiImgIndx"] == hi
    entries = listing["data"]["imgFileSnList"]
    assert {e["instUuid"] for e in entries} == {i["sopUid"] for i in uploaded[0]["instances"]}
    one = http.post(IMGDLD, json={"hiImgIndx": hi, "imgFileSn": entries[0], "serviceName": "queryImgCahe"})
    assert one.headers["content-type"].startswith("application/json")
    assert one.json()["data"]["fileContent"].startswith("AAAA")  # base64 of the 128-byte zero preamble


def test_a_file_sent_again_is_recorded_as_the_first_time(live, uploaded):
    """The first download of a file is looked up in a worker thread, the next ones answered from
    memory with the kept (sealed) response record: each record is the reply's own size, sha256 and
    head, the same every time."""
    http, _ = live
    hi = uploaded[0]["hiImgIndx"]
    entry = http.post(IMGDLD, json={"hiImgIndx": hi, "serviceName": "queryImgCaheFileSn"}).json()["data"]["imgFileSnList"][1]
    records = []
    for _ in range(3):
        reply = http.post(IMGDLD, json={"hiImgIndx": hi, "imgFileSn": entry, "serviceName": "queryImgCahe"})
        uid = reply.headers["x-imgcloud-exchange"]
        logged = http.get("/_sandbox/exchanges", params={"uid": uid}).json()[0]  # the query flushes the log first
        assert logged["operation"] == "queryImgCahe" and logged["verdict"] == "pass"
        records.append(logged["response"])
    body = reply.content
    assert records[0] == {"headers": {"content-type": "application/json"}, "size": len(body),
                          "media_type": "application/json", "sha256": hashlib.sha256(body).hexdigest(),
                          "truncated": True, "head": body[:1024].decode("utf-8", errors="replace")}
    assert records[1] == records[0] and records[2] == records[0]


@pytest.mark.parametrize(("body", "rule"), [
    ({"hiImgIndx": "NO-SUCH-INDEX", "serviceName": "queryImgCaheFileSn"}, "IMGDLD-UNKNOWN-INDEX"),
    ({"hiImgIndx": "NO-SUCH-INDEX", "serviceName": "queryImgCahe",
      "imgFileSn": {"examUuid": "1.2", "snUuid": "1.3", "instUuid": "1.4"}}, "IMGDLD-UNKNOWN-INDEX"),
    ({"hiImgIndx": "X", "serviceName": "queryImgCache"}, "SCHEMA-ENUM"),
    ({"hiImgIndx": "X", "serviceName": "queryImgCahe"}, "IMGDLD-FILESN-REQUIRED"),
])
def test_image_download_errors_are_native(live, body, rule):
    http, _ = live
    reply = http.post(IMGDLD, json=body)
    payload = reply.json()
    assert payload["code"] == -1 and payload["data"] is None and f"[{rule}]" in payload["message"]
    logged = http.get("/_sandbox/exchanges", params={"uid": reply.headers["x-imgcloud-exchange"]})
    assert wait_for(lambda: {"n": len(http.get("/_sandbox/exchanges", params={"uid": reply.headers["x-imgcloud-exchange"]}).json())},
                    lambda s: s["n"] == 1)["n"] == 1, logged.text


def test_unknown_instance_of_a_known_index(live, uploaded):
    http, _ = live
    hi = uploaded[0]["hiImgIndx"]
    reply = http.post(IMGDLD, json={"hiImgIndx": hi, "serviceName": "queryImgCahe",
                                    "imgFileSn": {"examUuid": "1.2", "snUuid": "1.3", "instUuid": "1.4"}}).json()
    assert reply["code"] == -1 and "[IMGDLD-UNKNOWN-INSTANCE]" in reply["message"]


def test_pages_show_the_report_and_images(live, uploaded):
    http, _ = live
    exam = uploaded[0]
    centre = centre_state(http, exam["hiImgIndx"])
    row = province_state(http, exam["hiImgIndx"])["row"]
    report = http.get(row["examRpotLinkUrl"])
    assert report.status_code == 200 and row["psnName"] in report.text and row["diagRslt"][:10] in report.text
    page = http.get(row["imgInfoLinkUrl"]).text
    assert page.count("<img") >= len(centre["instances"])
    png = http.get(f"/centre/{CENTRE}/image/{centre['accession']}/{centre['instances'][0]['sopUid']}.png?size=128")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    pdf = http.get(f"/centre/{CENTRE}/report/{centre['accession']}/pdf")
    assert pdf.content.startswith(b"%PDF-")


def _reupload(live, exam: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Post the centre a row of an uploaded exam with ``changes`` (a new msgid)."""
    http, config = live
    info = {**copy.deepcopy(centre_state(http, exam["hiImgIndx"])["row"]), **changes}
    body = envelope(config, config.institution(HOSPITAL), "saveExamRpotImgInfo", [info], now=datetime.now(), node="data")
    return http.post(SAVE_INFO, json=body).json()


@pytest.mark.parametrize(("changes", "rule"), [
    ({"examRpotPdfI": "http://127.0.0.1:9/report.pdf"}, "CENTRE-FETCH-FAILED"),
    ({"imgInfoDcm": "ftp://pacs.example/study.zip"}, "CENTRE-REFERENCE-SCHEME"),
    ({"imgInfoDcm": "dicom://PACS@127.0.0.1:11112?StudyInstanceUID=1.2.3"}, "CENTRE-DICOM-NETWORK"),
    ({"psnName": "王五"}, "CENTRE-DICOM-ROW-MISMATCH"),
])
def test_bad_references_fail_the_row(live, uploaded, changes, rule):
    reply = _reupload(live, uploaded[0], **changes)
    assert reply["code"] == 0 and reply["data"][0]["succFlag"] == "-1"
    assert f"[{rule}]" in reply["data"][0]["message"]


def test_not_a_pdf_and_not_dicom(live, uploaded):
    http, _ = live
    exam = uploaded[0]
    base = str(http.base_url).rstrip("/")
    pdf_sha = centre_state(http, exam["hiImgIndx"])["pdfSha256"]
    swapped = _reupload(live, exam, examRpotPdfI=f"{base}/hospital/{HOSPITAL}/files/{exam['instances'][0]['sha256']}.dcm",
                        imgInfoDcm=f"{base}/hospital/{HOSPITAL}/files/{pdf_sha}.pdf")
    message = swapped["data"][0]["message"]
    assert "[CENTRE-NOT-PDF]" in message and "[CENTRE-NOT-DICOM]" in message
    assert centre_state(http, exam["hiImgIndx"])["status"] == "registered"  # the stored exam is untouched


def test_deletion_withdraws_the_index_and_the_images(live, uploaded):
    http, _ = live
    hi = uploaded[-1]["hiImgIndx"]
    settled(http, hi)
    reply = http.post("/_sandbox/actions/centre-delete", json={"centreCode": CENTRE, "hiImgIndx": hi}).json()
    assert reply["found"] and reply["upstream"]["succFlag"] == "1", reply
    province = province_state(http, hi)
    assert province["deleted"] and province["images"] == []
    gone = http.post(IMGDLD, json={"hiImgIndx": hi, "serviceName": "queryImgCaheFileSn"}).json()
    assert gone["code"] == -1 and "[IMGDLD-UNKNOWN-INDEX]" in gone["message"]
    assert centre_state(http, hi)["status"] == "deleted"


def test_province_rejection_is_recorded_against_the_exam(tmp_path):
    """province_index external and unreachable: the centre records the failed registration."""
    config = load_config(None, home=str(tmp_path),
                         parties={"province_index": {"mode": "external", "base_url": "http://127.0.0.1:9"}})
    with running_sandbox(config) as base, httpx.Client(base_url=base, timeout=120) as http:
        exam = upload(http, 1, seed=303)[0]
        assert exam["result"]["succFlag"] == "1"
        state = wait_for(lambda: centre_state(http, exam["hiImgIndx"]), lambda s: s.get("status") != "stored")
        assert state["status"] == "register_failed"
        assert any(f["rule"] == "CENTRE-REGISTER-FAILED" for f in state["findings"])
        outbound = http.get("/_sandbox/exchanges", params={"operation": "saveExamRpotImgIndx", "direction": "outbound"}).json()
        assert outbound and outbound[0]["verdict"] in ("fail", "error")


def test_hospital_cli_uploads_with_a_progress_bar(live):
    from typer.testing import CliRunner

    from sim.cli import app

    http, _ = live
    result = CliRunner().invoke(app, ["hospital", "upload", "-n", "2", "--seed", "909", "--target", str(http.base_url)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2 exams uploaded by H51080200011" in result.stdout
    assert "uploading" in result.output  # the progress bar (on stderr)
