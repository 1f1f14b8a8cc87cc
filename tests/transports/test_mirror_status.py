"""``parties.province_cloud.mirror_status: true`` (INTERFACES.md §3): the HTTP status of every
reply of the provincial cloud is its body's code (for 003's HTTP codes) — successes, the
family's refusals, the HTTP boundary's own refusals (not JSON, wrong content type) and an
unexpected exception alike."""
from __future__ import annotations

from typing import Any

import pytest

from reference.families.province_cloud import service
from tests.province_cloud.helpers import H1, exam_body, token

HTTP_CODES = {200, 400, 403, 404, 409, 503, 504}


@pytest.fixture
def mirrored(make_config, make_running) -> Any:
    return make_running(make_config(parties={"province_cloud": {"mode": "simulated", "mirror_status": True}}))


def _mirrors(r: Any) -> int:
    code = r.json()["code"]
    assert code in HTTP_CODES, r.text
    assert r.status_code == code, r.text
    assert r.headers["content-type"] == "application/json;charset=utf-8"
    return int(code)


def test_every_reply_mirrors_its_code(mirrored, monkeypatch):
    client = mirrored.client
    headers = {"X-Token": token(mirrored, H1)}
    assert _mirrors(client.post("/interface/savePatientExam", json=exam_body(mirrored), headers=headers)) == 200
    assert _mirrors(client.post("/interface/getdigitalImageUrl", json={"examId": "1"})) == 403
    assert _mirrors(client.post("/interface/queryExamPdfData", json={"accessNumber": "none"}, headers=headers)) == 400
    assert _mirrors(client.post("/interface/queryExamPdfData", json={"accessNumber": "none", "queryDocName": "黄医生",
                                                                     "queryDocCode": "1"},
                                headers=headers)) == 404
    assert _mirrors(client.post("/interface/savePatientExam", content=b"{not json",
                                headers={**headers, "content-type": "application/json"})) == 400
    assert _mirrors(client.post("/interface/savePatientExam", content=b"x",
                                headers={**headers, "content-type": "text/plain"})) == 400
    assert _mirrors(client.post("/interface/noSuchOperation", json={})) == 404
    monkeypatch.setattr(service, "save_patient_exam", lambda *a, **k: 1 / 0)
    r = client.post("/interface/savePatientExam", json=exam_body(mirrored), headers=headers)
    assert _mirrors(r) == 503 and "SANDBOX-INTERNAL" in r.json()["msg"]
    record = mirrored.sandbox.exchanges.query(uid=r.headers["x-imgcloud-exchange"])[0]
    assert record["verdict"] == "error" and record["status"] == 503


def test_without_mirror_every_reply_is_200(running):
    r = running.client.post("/interface/savePatientExam", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["code"] == 400
