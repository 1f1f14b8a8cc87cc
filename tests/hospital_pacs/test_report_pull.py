"""The hospital's report pull (seeds/001 §4.1.2, openapi/hospital-pacs.yaml): a window and a type,
each type selecting on its own time column, or the exam's unique number with no time limit;
001's envelope; every bad parameter named; the same reports as the view."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from reference.collection import report
from reference.families.hospital_pacs.database import VIEW, database_url, engine_for, withdraw
from tests.conftest import NOW

HOSPITAL = "H51080200011"
PULL = f"/pacs/{HOSPITAL}/getReportInfo"
FMT = "%Y-%m-%d %H:%M:%S"


@pytest.fixture
def examined(running):
    reply = running.client.post("/_sandbox/actions/hospital-examine",
                                json={"hospital": HOSPITAL, "count": 4, "seed": 31, "refunds": [1], "instancesPerSeries": 1})
    assert reply.status_code == 200, reply.text
    return running, reply.json()["exams"]


def _pull(running, **body):  # type: ignore[no-untyped-def]
    reply = running.client.post(PULL, json=body)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")
    return reply.json()


def _window(center: str, minutes: int = 1) -> dict[str, str]:
    t = datetime.strptime(center, FMT)
    return {"startTime": f"{t - timedelta(minutes=minutes):{FMT}}", "endTime": f"{t + timedelta(minutes=minutes):{FMT}}"}


def test_each_type_selects_on_its_own_time_column(examined):
    running, exams = examined
    whole = _pull(running, startTime=f"{NOW - timedelta(days=40):{FMT}}", endTime=f"{NOW:{FMT}}", type="3")
    assert whole["code"] == 200 and whole["message"] == "请求成功" and whole["total"] == 4
    reports = {r["examNo"]: r for r in whole["data"]}
    for exam in exams:
        item = reports[exam["examNo"]]
        for type_, column in report.TIME_COLUMNS.items():
            if column not in item:
                continue
            got = _pull(running, type=type_, **_window(item[column]))
            assert exam["examNo"] in [r["examNo"] for r in got["data"]], (type_, column)
    refunded = _pull(running, startTime=f"{NOW - timedelta(days=40):{FMT}}", endTime=f"{NOW:{FMT}}", type="2")
    assert [r["examNo"] for r in refunded["data"]] == [exams[1]["examNo"]] and "refundTime" in refunded["data"][0]


def test_the_exam_number_needs_no_window(examined):
    running, exams = examined
    got = _pull(running, examNo=exams[2]["examNo"])
    assert got["total"] == 1 and got["data"][0]["studyUid"] == exams[2]["studyUid"]
    item = got["data"][0]
    assert item["imageUrls"] and all(f"studyUID={exams[2]['studyUid']}" in u for u in item["imageUrls"])
    assert {u.split("objectUID=")[1].split("&")[0] for u in item["imageUrls"]} == set(exams[2]["sopUids"])
    assert item["reportPdfUrl"].endswith(".pdf") and item["sex"] in ("1", "2") and item["chargeType"] == "02"
    assert list(item) == [n for n in report.NAMES if n in item]  # the view's column order


def test_pages_are_bounded(examined):
    running, _ = examined
    window = {"startTime": f"{NOW - timedelta(days=40):{FMT}}", "endTime": f"{NOW:{FMT}}", "type": "1"}
    first, second = _pull(running, pageSize=3, **window), _pull(running, pageSize=3, pageNo=2, **window)
    assert (first["total"], len(first["data"]), len(second["data"])) == (4, 3, 1)
    assert not {r["examNo"] for r in first["data"]} & {r["examNo"] for r in second["data"]}
    assert _pull(running, pageSize=201, **window)["code"] == 202


def test_the_pull_and_the_view_are_the_same_reports(examined):
    running, exams = examined
    with engine_for(database_url(running.config)).connect() as conn:
        rows = [report.from_view_row(dict(r._mapping)) for r in conn.execute(select(VIEW).order_by(VIEW.c.examNo))]
    pulled = _pull(running, startTime=f"{NOW - timedelta(days=40):{FMT}}", endTime=f"{NOW:{FMT}}", type="1")["data"]
    assert sorted(pulled, key=lambda r: r["examNo"]) == rows


def test_a_withdrawn_exam_is_in_neither(examined):
    running, exams = examined
    assert withdraw(database_url(running.config), HOSPITAL, exams[0]["examNo"])
    assert _pull(running, examNo=exams[0]["examNo"])["data"] == []


@pytest.mark.parametrize(("body", "rule"), [
    ({}, "HPACS-QUERY-MISSING"),
    ({"startTime": "2026-11-01 00:00:00", "type": "3"}, "HPACS-QUERY-MISSING"),
    ({"startTime": "2026-11-10 00:00:00", "endTime": "2026-11-01 00:00:00", "type": "3"}, "HPACS-WINDOW-ORDER"),
    ({"startTime": "2026-01-01 00:00:00", "endTime": "2026-11-01 00:00:00", "type": "3"}, "HPACS-WINDOW-TOO-LONG"),
    ({"startTime": "2026-11-01 00:00:00", "endTime": "2026-11-02 00:00:00", "type": "5"}, "SCHEMA-ENUM"),
    ({"startTime": "2026/11/01", "endTime": "2026-11-02 00:00:00", "type": "3"}, "SCHEMA-FORMAT"),
    ({"examNo": "x" * 51}, "SCHEMA-MAXLENGTH"),
])
def test_bad_parameters_are_answered_in_001s_envelope(running, body, rule):
    got = _pull(running, **body)
    assert got["code"] == 202 and got["data"] is None and got["message"].startswith("传参数不规范：")
    assert f"[{rule}]" in got["message"]
    entry = running.sandbox.exchanges.query(operation="getReportInfo", limit=1)[0]
    assert entry["verdict"] == "fail" and rule in [f["rule"] for f in entry["findings"]]


def test_an_unknown_field_is_named_as_a_warning(running):
    got = _pull(running, examNo="1", hospitalld="H")
    assert got["code"] == 200 and "[SCHEMA-UNKNOWN-FIELD]" in got["message"] and "hospitalld" in got["message"]


def test_an_unknown_hospital_is_named(running):
    reply = running.client.post("/pacs/H99999999999/getReportInfo", json={"examNo": "1"}).json()
    assert reply["code"] == 202 and "[HPACS-UNKNOWN-HOSPITAL]" in reply["message"]


def test_not_json_and_unknown_paths_stay_in_the_envelope(running):
    bad = running.client.post(PULL, content=b"{", headers={"content-type": "application/json"}).json()
    assert bad["code"] == 202 and "[HTTP-JSON]" in bad["message"]
    missing = running.client.post("/pacs/H51080200011/nosuch", json={})
    assert missing.status_code == 404 and missing.json()["code"] == 404
