"""Hardening (issue 9): what is not a request body at all is answered natively and at once —
JSON null (defect 3: it used to hold the connection until the client gave up), nesting
1,000 deep (defect 12: RecursionError), a chunked body without Content-Length (defect 12:
"RequestBody is required"), a body over the limit; a non-ASCII film token (defect 12: a
TypeError labelled "503"); schema-invalid bodies to control operations (defect 12: HTTP 500)."""
from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from typing import Any

import pytest

SAVE = "/mie/api/mie/saveExamRpotImgIndx"
JSON = {"content-type": "application/json"}


def _post(running: Any, path: str, **kw: Any) -> Any:
    """POST with a deadline: a request the sandbox holds open fails the test instead of hanging it."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(running.client.post, path, **kw).result(timeout=10)


def _rules(running: Any, reply: Any) -> list[str]:
    return [f["rule"] for f in running.sandbox.exchanges.query(uid=reply.headers["x-imgcloud-exchange"])[0]["findings"]]


@pytest.mark.parametrize("path", [SAVE, "/mie/api/mie/saveExamRpotImgInfo", "/interface/getToken",
                                  "/centre/S51080200001/imgDld", "/_sandbox/actions/province-pull"])
def test_json_null_is_answered_at_once(running, path):
    r = _post(running, path, content=b"null", headers=JSON)
    assert "HTTP-JSON-NULL" in r.text
    if not path.startswith("/_sandbox/"):  # the sandbox's own API is not recorded
        assert _rules(running, r) == ["HTTP-JSON-NULL"]


def test_deep_nesting_is_refused_natively(running):
    r = _post(running, SAVE, content=b"[" * 1000 + b"]" * 1000, headers=JSON)
    assert r.json()["code"] == -1 and "HTTP-JSON-DEPTH" in r.json()["message"]
    r = _post(running, SAVE, content=b'{"a":' * 40 + b"1" + b"}" * 40, headers=JSON)
    assert "HTTP-JSON-DEPTH" in r.json()["message"]


def test_chunked_body_without_content_length_is_read(running):
    def chunks() -> Iterator[bytes]:
        yield b'{"infno": "saveExamRpotImgIndx",'
        yield b' "input": []}'
    r = _post(running, SAVE, content=chunks(), headers=JSON)
    message = r.json()["message"]
    assert "RequestBody is required" not in message and "SCHEMA-REQUIRED" in message  # judged on its content


def test_body_over_the_limit_is_refused_before_parsing(make_config, make_running):
    running = make_running(make_config(limits={"body_bytes": 2048}))
    r = _post(running, SAVE, content=b'{"input": ["' + b"x" * 4000 + b'"]}', headers=JSON)
    assert "HTTP-BODY-TOO-LARGE" in r.json()["message"] and "2048" in r.json()["message"]


def test_row_node_over_the_seed_limit_is_refused_without_inspecting_rows(running):
    rows = [{"hiImgIndx": f"x{i}", "psnName": "张三" * 20} for i in range(600)]  # ~ 40,000+ characters
    r = _post(running, SAVE, json={"infno": "saveExamRpotImgIndx", "input": rows}, headers=JSON)
    assert r.json()["code"] == -1 and _rules(running, r) == ["SCHEMA-MAXLENGTH"]


def test_film_token_with_non_ascii_is_an_unknown_film(running):
    r = running.client.get("/film/?Info=x.%C3%A9")
    assert r.status_code == 404 and "PCLOUD-FILM-UNKNOWN" in r.text


@pytest.mark.parametrize(("path", "body"), [
    ("/_sandbox/actions/province-pull", {}),
    ("/_sandbox/actions/centre-delete", {"centreCode": 5}),
    ("/_sandbox/actions/hospital-upload", {"hospital": "H51080200011", "count": 0}),
])
def test_schema_invalid_control_bodies_are_400(running, path, body):
    r = running.client.post(path, json=body)
    assert r.status_code == 400 and r.json()["findings"][0]["rule"].startswith("SCHEMA-"), r.text


def test_unknown_institution_in_a_control_body_is_400(running):
    r = running.client.post("/_sandbox/actions/hospital-upload", json={"hospital": "S51080200001", "count": 1})
    assert r.status_code == 400 and r.json()["findings"][0]["rule"] == "CONTROL-UNKNOWN-INSTITUTION"


def test_a_hospital_serves_only_its_own_files_under_their_own_type(running):
    """Defect 9: any stored blob used to be served under any hospital code, a DICOM file as .zip."""
    from tests.flow_helpers import HOSPITAL, upload

    exam = upload(running.client, 1, dicomForm="file")[0]
    pdf, dcm = exam["pdfSha256"], exam["instances"][0]["sha256"]
    assert running.client.get(f"/hospital/{HOSPITAL}/files/{pdf}.pdf").content.startswith(b"%PDF-")
    assert running.client.get(f"/hospital/{HOSPITAL}/files/{dcm}.dcm").status_code == 200
    for url in (f"/hospital/H51080200012/files/{pdf}.pdf",  # another hospital
                f"/hospital/{HOSPITAL}/files/{dcm}.zip",    # the wrong type
                f"/hospital/{HOSPITAL}/files/{pdf}.dcm"):
        r = running.client.get(url)
        assert r.status_code == 404 and r.json()["findings"][0]["rule"] == "HOSP-FILE-UNKNOWN", url


def test_the_sandbox_handlers_refuse_schema_invalid_bodies_too(running):
    """Not only control actions: an operation of ``sandbox.yaml`` its own handlers serve (training)
    answers a body without a required field with 400 naming it (schemathesis found a 500)."""
    r = running.client.post("/_sandbox/training/progress", json={"trainee": "swagger"})
    assert r.status_code == 400, r.text
    assert [f["rule"] for f in r.json()["findings"]] == ["SCHEMA-REQUIRED"], r.text


@pytest.mark.parametrize(("depth", "refused"), [(32, False), (33, True)])
def test_nesting_is_refused_past_the_limit_exactly(running, depth, refused):
    """``limits.json_depth`` (32): 32 levels are parsed and judged, 33 refused — whether or not the
    brackets are counted first (``_brackets``), and with brackets inside strings counted too."""
    for content in (b"[" * depth + b"]" * depth, b'{"a":' * (depth - 1) + b'"[[{{"' + b"}" * (depth - 1)):
        r = _post(running, SAVE, content=content, headers=JSON)
        assert ("HTTP-JSON-DEPTH" in r.json()["message"]) is (refused and content.startswith(b"[")), content[:8]


def test_brackets_are_counted_only_where_they_are_their_bytes():
    from reference.transports.http.validation import _brackets

    assert _brackets(b'{"a":["[",{}]}', "utf-8") == 4
    assert _brackets("[[".encode("utf-16"), "utf-16") > 10**6  # another encoding: always walked
    assert _brackets(b"[]", "no-such-codec") > 10**6
