"""The gateway's pages in a real headless Chromium (seeds/001 §4.3–4.4): the cloud film behind the
QR URL shows the report and decodes the images; the plug-in's bubble page lists the exam at the
other hospital, and its report and image links open (the image page decodes its images)."""
from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from reference.crypto import sm2
from reference.families.gateway import plugin
from sim.localnet import dicom_config
from sim.scenario.server import running_sandbox
from tests.browser.test_pages_in_chromium import CHROMIUM, dump_dom
from tests.flow_helpers import province_state, wait_for

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package chromium; tests/run.sh installs it)")
H1, H2 = "H51080200011", "H51080200012"


def _decoded(dom: str) -> int:
    found = re.search(r"data-decoded=\"(\d+)\"", dom)
    assert found is not None, dom[-2000:]
    return int(found.group(1))


@pytest.fixture(scope="module")
def flow_b(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    config = dicom_config(tmp_path_factory.mktemp("gateway-browser") / "home")
    with running_sandbox(config, dicom=True) as base, httpx.Client(base_url=base, timeout=300) as http:
        exam = http.post("/_sandbox/actions/hospital-examine",
                         json={"hospital": H1, "count": 1, "seed": 45, "instancesPerSeries": 2}).json()["exams"][0]
        pulled = http.post("/_sandbox/actions/gateway-pull", json={"hospital": H1, "days": 40}).json()
        assert pulled["exams"][0]["status"] == "uploaded", pulled
        wait_for(lambda: province_state(http, exam["hiImgIndx"]), lambda s: s.get("pullStatus") in ("pulled", "failed"))
        film = http.get("/getway/reportAndFilm/api/qrurl", params={"accessNumber": exam["accessionNo"],
                                                                   "modality": exam["modality"], "hospitalId": H1}).json()
        key = http.get("/_sandbox/province-cloud/sm2-public-key").json()["publicKey"]
        login = {"hisUserId": "3001", "type": "1", "doctorName": "赵医生", "department": "放射科", "departmentCode": "FSK",
                 "doctorSex": "2", "doctorType": "1", "doctorCode": "D51080200009", "hospitalId": H2,
                 "doctorIdCardNo": sm2.encrypt("51080219800101001X", key)}
        assert http.get(plugin.build(login, "http", base=base)).json()["code"] == 200
        remind = http.get("/iuWorkStation/swipingIdCardNo", params={
            "hisUserId": "3001", "hospitalId": H2, "idCardNo": sm2.encrypt(exam["certno"], key)}).json()
        assert remind["code"] == 200 and remind["data"]["count"] >= 1, remind
        yield {"exam": exam, "film": film["data"], "bubble": remind["data"]["bubbleUrl"], "remind": remind["data"]}


def test_the_film_page_shows_the_report_and_decodes_images(flow_b, tmp_path):
    dom = dump_dom(flow_b["film"], tmp_path / "profile")
    text = html.unescape(dom)
    assert flow_b["exam"]["psnName"] in text and flow_b["exam"]["accessionNo"] in text
    assert "云胶片" in text and "诊断意见" in text
    assert _decoded(dom) == flow_b["exam"]["instances"] >= 1


def test_the_bubble_page_opens_the_report_and_the_images(flow_b, tmp_path):
    dom = html.unescape(dump_dom(flow_b["bubble"], tmp_path / "bubble"))
    assert "外院检查" in dom and flow_b["exam"]["psnName"] in dom and "广元市中心医院" in dom
    exam = next(e for e in flow_b["remind"]["exams"] if e["hospitalCode"] == H1)
    assert exam["reportUrl"] in dom and exam["imageUrl"] in dom
    report = html.unescape(dump_dom(exam["reportUrl"], tmp_path / "report"))
    assert flow_b["exam"]["psnName"] in report
    assert _decoded(dump_dom(exam["imageUrl"], tmp_path / "images")) >= 1
