"""The provincial cloud's film page (getdigitalImageUrl's URL, seeds/003 云胶片URL获取接口) in a
real headless Chromium: it shows the report text and decodes the uploaded images."""
from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from reference.config import load_config
from sim.actors.province_cloud import HospitalClient, make_cloud_exam
from sim.scenario.server import running_sandbox, with_public_url
from tests.browser.test_pages_in_chromium import CHROMIUM, dump_dom

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package chromium; tests/run.sh installs it)")


def test_film_page_shows_the_report_and_decodes_images(tmp_path):
    config = load_config(None, home=str(tmp_path / "home"))
    with running_sandbox(config) as base:
        cfg = with_public_url(config, base)
        exam = make_cloud_exam(cfg, "H51080200011", seed=77, index=0, now=datetime.now(), instances_per_series=1)
        with HospitalClient(cfg, "H51080200011") as hospital:
            result = hospital.upload(exam)
        assert result["getdigitalImageUrl"]["code"] == 200, result
        url = result["getdigitalImageUrl"]["datas"]
        dom = dump_dom(url, tmp_path / "profile")
    text = html.unescape(dom)
    assert exam.body["conclusion"] in text and exam.body["imageDescription"] in text
    assert exam.body["patientName"] in text
    decoded = re.search(r"data-decoded=\"(\d+)\"", dom)
    assert decoded is not None, dom[-2000:]
    assert int(decoded.group(1)) >= 1, dom[-2000:]
    assert "images decoded" in dom
