"""The training mode's pages render in a real headless Chromium (issue 14): the index (lessons, the
form, who is where) and a lesson page — begun for a trainee on first view, graded on reload, the
mistake the lesson names shown after a wrong attempt."""
from __future__ import annotations

import html
import json
import re

import httpx
import pytest

from tests.browser.test_pages_in_chromium import CHROMIUM, dump_dom

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package chromium; tests/run.sh installs it)")

TRAINEE = "page-reader"


def test_the_lesson_page_shows_the_step_and_names_the_mistake(world, tmp_path):
    url = f"{world.base}/_sandbox/tour/flow-a?trainee={TRAINEE}"
    dom = dump_dom(url, tmp_path / "profile")
    assert "data-step=\"0\"" in dom and "data-complete=\"false\"" in dom, dom[-2000:]
    request = re.search(r'<pre id="request">(.*?)</pre>', dom, re.S)
    assert request and "curl -s -X POST" in request.group(1)
    assert "seeds/002 §二" in dom and "医院上传检查" in dom and "The hospital uploads the exam" in dom

    shown = httpx.get(f"{world.base}/_sandbox/training/progress/{TRAINEE}/flow-a", timeout=60).json()["current"]["request"]
    body = json.loads(json.dumps(shown["json"]))
    body["key"] = "F" * 20  # a mistyped key
    assert httpx.post(shown["url"], json=body, timeout=120).json()["code"] == -1

    dom = dump_dom(url, tmp_path / "profile")
    assert 'data-passed="false"' in dom, dom[-3000:]
    assert "[NIDX-AUTH-KEY]" in dom and "a mistake this lesson names" in html.unescape(dom)


def test_the_index_lists_the_lessons_and_who_is_where(world, tmp_path):
    httpx.post(f"{world.base}/_sandbox/training/progress", json={"trainee": "index-reader", "lesson": "dicom-qr"},
               timeout=120).raise_for_status()
    dom = dump_dom(f"{world.base}/_sandbox/tour/", tmp_path / "profile")
    for lesson in ("flow-a", "flow-c", "national-envelope", "tokens-sm2", "dicom-qr"):
        assert f"/_sandbox/tour/{lesson}" in dom
    assert "index-reader" in dom and "who is where" in dom
    begin = httpx.get(f"{world.base}/_sandbox/tour/", params={"trainee": "x1", "lesson": "flow-c"}, timeout=60)
    assert begin.status_code == 303 and begin.headers["location"] == "/_sandbox/tour/flow-c?trainee=x1"


def test_an_unknown_lesson_is_a_page_saying_so(world):
    page = httpx.get(f"{world.base}/_sandbox/tour/no-such-lesson", timeout=60)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "TRAINING-UNKNOWN-LESSON" in page.text
