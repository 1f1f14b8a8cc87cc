"""``imgcloud contract test`` as a vendor runs it: against a conforming provincial cloud (a second
sandbox process) it passes and writes JUnit, JSON and the HTML table; against one that answers
getToken without the token it exits 1 naming the field."""
from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET

import yaml

from tests.matrix.servers import cloud_key, vendor
from tests.servers import IMGCLOUD


def _contract(tmp_path, target: str, name: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / f"{name}-ours.yaml"
    config.write_text(yaml.safe_dump({"parties": {"province_cloud": {"public_key": cloud_key()}}}), encoding="utf-8")
    return subprocess.run([*IMGCLOUD, "contract", "test", "--party", "province_cloud", "--target", target,
                           "--config", str(config), "--junit", str(tmp_path / f"{name}.xml"),
                           "--json", str(tmp_path / f"{name}.json"), "--html", str(tmp_path / f"{name}.html")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)


def test_contract_test_passes_a_conforming_cloud_and_writes_the_reports(tmp_path):
    with vendor(tmp_path, "cloud") as cloud:
        done = _contract(tmp_path, cloud, "good")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: pass" in done.stdout
    suites = ET.parse(tmp_path / "good.xml").getroot()
    contract = suites.find("testsuite[@name='contract province_cloud']")
    assert contract is not None and contract.get("failures") == "0" and int(contract.get("tests", "0")) >= 10
    names = [c.get("name") for c in contract.iter("testcase")]
    assert any(n and n.startswith("getToken (outbound) seeds/003 权限鉴定接口") for n in names), names
    skipped = suites.find("testsuite[@name='flow-c-province']/testcase[@name='public-key']/skipped")
    assert skipped is not None and "external" in skipped.get("message", "")
    report = json.loads((tmp_path / "good.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "pass" and report["party"] == "province_cloud"
    page = (tmp_path / "good.html").read_text(encoding="utf-8")
    assert "<table>" in page and "seeds/003 权限鉴定接口" in page and "class='skip'" in page


def test_contract_test_fails_a_cloud_that_owes_its_token(tmp_path):
    faults = [{"operation": "getToken", "remove": ["datas.token"]}]
    with vendor(tmp_path, "bad-cloud", {"province_cloud": {"reply_faults": faults}}) as cloud:
        done = _contract(tmp_path, cloud, "bad")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[REPLY-OWED-FIELD] datas.token" in done.stdout and "verdict: fail" in done.stdout
    failure = ET.parse(tmp_path / "bad.xml").getroot().find(
        "testsuite[@name='contract province_cloud']/testcase/failure")
    assert failure is not None and "datas.token" in failure.get("message", "")
    assert "REPLY-OWED-FIELD" in (tmp_path / "bad.html").read_text(encoding="utf-8")
