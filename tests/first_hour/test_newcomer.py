"""A newcomer's first start (issue 14): the README's serve command on an empty data home — nothing
else run — gives a PACS that DCMTK's findscu finds studies in, and a report page, an image page and
a film page to open (their addresses in the banner), in a real headless browser when there is one."""
from __future__ import annotations

import re
import shutil
import subprocess

import httpx
import pytest

from tests.browser.test_pages_in_chromium import CHROMIUM, dump_dom


def _banner_url(banner: str, label: str) -> str:
    found = re.search(rf"^  open first   (\S+)   {re.escape(label)}", banner, re.M)
    assert found, banner
    return found.group(1)


def _pacs_port(banner: str) -> int:
    found = re.search(r"dicom        hospital SCP HOSP_PACS at [\d.]+:(\d+)", banner)
    assert found, banner
    return int(found.group(1))


def test_the_banner_says_what_is_there_and_what_to_open(world):
    banner = world.banner
    assert "demo world   seeding in the background: 7 exams through flow A (CT, MR, DX, MG, US, NM, PT)" in banner
    assert f"home         {world.base}/_sandbox/" in banner and f"training     {world.base}/_sandbox/tour/" in banner
    for label in ("a report page", "its images", "a cloud film"):
        assert _banner_url(banner, label).startswith(world.base)
    # the banner comes after every listener: the DICOM lines are in it, before the demo lines
    assert banner.index("dicom        hospital SCP") < banner.index("demo world")


@pytest.mark.skipif(shutil.which("findscu") is None, reason="needs DCMTK's findscu (tests/run.sh installs dcmtk)")
def test_findscu_finds_the_demo_studies(world):
    done = subprocess.run(["findscu", "-S", "-aet", "PORTAL", "-aec", "HOSP_PACS", "-k", "QueryRetrieveLevel=STUDY",
                           "-k", "PatientID", "-k", "StudyInstanceUID", "-k", "ModalitiesInStudy", "127.0.0.1",
                           str(_pacs_port(world.banner))], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # findscu prints each response's identifier on stderr ("# Dicom-Data-Set")
    studies = re.findall(r"\(0020,000d\) UI \[([\d.]+)[\x00 ]?\]", done.stderr)  # UIDs are padded with NUL
    modalities = {m.strip() for found in re.findall(r"\(0008,0061\) CS \[([^\]]*)\]", done.stderr)
                  for m in found.split("\\")}
    assert len(set(studies)) >= 9, done.stderr[-3000:]
    assert {"CT", "MR", "DX", "MG", "US", "NM", "PT"} <= modalities, modalities


def test_the_pages_in_the_banner_open(world, tmp_path):
    report, images, film = (_banner_url(world.banner, label) for label in ("a report page", "its images", "a cloud film"))
    with httpx.Client(timeout=60) as http:
        page = http.get(report)
        assert page.status_code == 200 and "影像所见" in page.text and "诊断意见" in page.text
        assert re.search(r"<th>年龄</th><td>\d+岁</td>", page.text), "age as whole years, as the PDF prints it"
        assert f"href='{httpx.URL(images).path}'" in page.text, "the report page links its images"
        for url in (images, film):
            page = http.get(url)
            assert page.status_code == 200 and "<img" in page.text
            first = re.search(r"src='([^']+\.png[^']*|[^']*sop=[^']+)'", page.text)
            assert first, page.text[:1000]
            png = http.get(httpx.URL(url).join(first.group(1).replace("&amp;", "&")))
            assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    if CHROMIUM is None:
        pytest.skip("no Chromium: the pages were opened over HTTP only")
    for url in (images, film):
        dom = dump_dom(url, tmp_path / "profile")
        decoded = re.search(r'data-decoded="(\d+)"', dom)
        assert decoded and int(decoded.group(1)) >= 1, dom[-1500:]
    assert "诊断意见" in dump_dom(report, tmp_path / "profile")


def test_the_home_page_lists_what_the_sandbox_holds(world):
    page = httpx.get(f"{world.base}/_sandbox/", timeout=60)
    assert page.status_code == 200
    assert "data-status='ready'" in page.text
    assert page.text.count("class='report'") >= 7 and page.text.count("class='film'") >= 2
