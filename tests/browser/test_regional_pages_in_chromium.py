"""The regional platform's pages in a real headless Chromium (seeds/004 §3.4.3 报告调阅, §3.2.3.3
statistics): after flow D, the report list shows the exam and its report, the reconciliation
page the expected, received and archived counts."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from reference.config import load_config
from sim.localnet import with_free_dicom_ports
from sim.scenario import Targets, run_scenario
from sim.scenario.server import running_sandbox
from tests.browser.test_pages_in_chromium import CHROMIUM, dump_dom

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package chromium; tests/run.sh installs it)")
SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "flow-d-regional.yaml"


def test_report_list_and_statistics_pages(tmp_path):
    config = with_free_dicom_ports(load_config(None, home=str(tmp_path / "home")))
    with running_sandbox(config, dicom=True) as base:
        result = run_scenario(SCENARIO, Targets(config, base))
        assert result.result == "pass", [(s.id, s.messages) for s in result.steps if s.result != "pass"]
        exam = next(s for s in result.steps if s.id == "exam").captured["exam"]
        report = dump_dom(f"{base}/clinic/html/query.htm?sick_id={exam['hospitalCode']}_{exam['patientID']}", tmp_path / "p1")
        statistics = dump_dom(f"{base}/clinic/html/statistics.htm?hospitalCode={exam['hospitalCode']}", tmp_path / "p2")
    text = html.unescape(report)
    assert exam["patientName"] in text and exam["examNo"] in text and exam["applyNo"].split("_", 1)[1] in text
    assert "data-count=\"1\"" in report and re.search(r"<p class=\"conclusion\">\S+</p>", report), report[-1500:]
    archived = re.search(r"(\d+) 幅已归档", text)
    assert archived is not None and int(archived.group(1)) >= 2  # the images and the scanned request form
    row = re.search(rf"<tr class=\"complete\" data-key=\"{exam['hospitalCode']}\|{exam['examDate']}\|{exam['examClass']}\">(.*?)</tr>",
                    statistics, flags=re.S)
    assert row is not None, statistics[-2000:]
    assert [c for c in re.findall(r"<td>(.*?)</td>", row.group(1))][3:6] == ["1", "1", "1"]
