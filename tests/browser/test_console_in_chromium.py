"""The sandbox console driven in a real headless Chromium (Debian ``chromium``) through Playwright
(issue 13): it lists exchanges of every transport, filters by verdict and institution, opens one
with its findings, flips a party to external and back, sets a DICOM fault that a following
``findscu`` receives, and downloads the conformance report.  Screenshots go to the test output
directory (``$IMGCLOUD_TEST_OUTPUT``, default ``test-output/``) under ``console/``."""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_pages_in_chromium import CHROMIUM
from tests.console.conftest import World, served_world

sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright; no browser download)")
FINDSCU = shutil.which("findscu")
pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package chromium)"),
              pytest.mark.skipif(FINDSCU is None, reason="needs DCMTK's findscu")]
OUTPUT = Path(os.environ.get("IMGCLOUD_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output")) / "console"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with served_world(str(tmp_path_factory.mktemp("console-browser")), 1414) as served:
        yield served


@pytest.fixture
def page(world: World) -> Iterator[sync_api.Page]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
        yield context.new_page()
        context.close()
        browser.close()


def _column(page: sync_api.Page, index: int) -> list[str]:
    return page.eval_on_selector_all("#timeline tbody tr", f"rows => rows.map(r => r.children[{index}].textContent)")


def _shot(page: sync_api.Page, name: str) -> None:
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def test_console_in_chromium(world: World, page: sync_api.Page) -> None:
    page.goto(f"{world.base}/")
    page.wait_for_selector("body[data-ready='1']")
    assert {"http", "soap", "dicom", "sql"} <= set(_column(page, 2))
    _shot(page, "01-timeline")

    # filter by verdict and institution (one that has failing exchanges)
    failing = world.http.get("/_sandbox/exchanges", params={"verdict": "fail", "bodies": "none", "limit": 1000}).json()
    institution = next(e["institution"] for e in failing if e["institution"])
    page.select_option("#filters select[name=verdict]", "fail")
    page.fill("#filters input[name=institution]", institution)
    loaded = page.get_attribute("body", "data-loaded")
    page.click("#filters button[type=submit]")
    page.wait_for_function(f"document.body.dataset.loaded !== '{loaded}'")
    assert set(_column(page, 9)) == {"fail"} and set(_column(page, 7)) == {institution}
    _shot(page, "02-filtered")

    # one exchange with its findings
    page.click("#timeline tbody tr:first-child a.open")
    page.wait_for_selector("table.findings tr.finding")
    rules = page.eval_on_selector_all("tr.finding td.rule", "cells => cells.map(c => c.textContent)")
    assert rules and page.text_content("#verdict") == "fail"
    _shot(page, "03-exchange")

    # flip a party to external and back
    page.goto(f"{world.base}/_sandbox/console#parties-section")
    page.wait_for_selector("body[data-ready='1']")
    row = "#parties tr[data-party=province_cloud]"
    page.fill(f"{row} input.address", "http://127.0.0.1:9")
    page.click(f"{row} button.to-external")
    page.wait_for_selector(f"{row}[data-mode=external]")
    assert world.http.get("/_sandbox/parties").json()["province_cloud"]["base_url"] == "http://127.0.0.1:9"
    _shot(page, "04-party-external")
    page.click(f"{row} button.to-configured")
    page.wait_for_selector(f"{row}[data-mode=simulated]")
    assert not world.http.get("/_sandbox/parties").json()["province_cloud"]["switched"]

    # a DICOM fault set in the console, received by findscu
    page.select_option("#fault-form select[name=party]", "hospital")
    page.fill("#fault-form input[name=operation]", "C-FIND")
    page.select_option("#fault-form select[name=kind]", "status")
    page.fill("#fault-form input[name=status]", "0xA700")
    page.click("#fault-form button[type=submit]")
    page.wait_for_selector("#faults tr[data-fault]")
    _shot(page, "05-fault")
    done = subprocess.run([str(FINDSCU), "-v", "-S", "-aet", "PORTAL", "-aec", "HOSP_PACS", "-k", "QueryRetrieveLevel=STUDY",
                           "-k", "StudyInstanceUID", "127.0.0.1", str(world.pacs_port)], capture_output=True, text=True,
                          timeout=60)
    assert "Final Find Response (Refused: OutOfResources)" in done.stderr, done.stderr[-2000:]
    page.select_option("#filters select[name=transport]", "dicom")
    page.fill("#filters input[name=operation]", "C-FIND")
    loaded = page.get_attribute("body", "data-loaded")
    page.click("#filters button[type=submit]")
    page.wait_for_function(f"document.body.dataset.loaded !== '{loaded}'")
    assert page.text_content("#timeline tbody tr:first-child td.fault").startswith("f1 status")
    _shot(page, "06-faulted-exchange")
    page.click("#clear-faults")
    page.wait_for_function("document.querySelectorAll('#faults tr[data-fault]').length === 0")

    # the conformance report, downloaded
    page.fill("#report-form input[name=institution]", institution)
    with page.expect_download() as info:
        page.click("#report-download")
    target = OUTPUT / "conformance-report.html"
    info.value.save_as(str(target))
    text = target.read_text(encoding="utf-8")
    assert "一致性报告 / conformance report" in text and institution in text
    page.goto(target.as_uri())
    _shot(page, "07-report")
