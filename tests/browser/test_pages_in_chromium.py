"""The centre's pages in a real headless Chromium (Debian ``chromium``): the report page
shows the patient's report, the image page decodes its images."""
from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reference.config import load_config
from sim.scenario.server import running_sandbox
from tests.flow_helpers import centre_state, province_state, settled, upload

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package chromium; tests/run.sh installs it)")


def dump_dom(url: str, profile: Path) -> str:
    """The DOM after the page's scripts ran, as headless Chromium sees it."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom", url]
    done = subprocess.run([CHROMIUM, *flags], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def exam_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    config = load_config(None, home=str(tmp_path_factory.mktemp("browser")))
    with running_sandbox(config) as base, httpx.Client(base_url=base, timeout=120) as http:
        exam = upload(http, 1, seed=55)[0]
        settled(http, exam["hiImgIndx"])
        row = province_state(http, exam["hiImgIndx"])["row"]
        yield {"report": row["examRpotLinkUrl"], "image": row["imgInfoLinkUrl"], "name": row["psnName"],
               "conclusion": row["diagRslt"], "images": str(len(centre_state(http, exam["hiImgIndx"])["instances"]))}


def test_report_page_shows_the_report(exam_pages, tmp_path):
    dom = dump_dom(exam_pages["report"], tmp_path / "profile")
    assert exam_pages["name"] in dom
    assert exam_pages["conclusion"][:15] in dom
    assert "影像所见" in dom and "诊断意见" in dom


def test_image_page_decodes_images(exam_pages, tmp_path):
    dom = dump_dom(exam_pages["image"], tmp_path / "profile")
    decoded = re.search(r"data-decoded=\"(\d+)\"", dom)
    assert decoded is not None, dom[-2000:]
    assert int(decoded.group(1)) >= 1, dom[-2000:]
    assert "images decoded" in dom
