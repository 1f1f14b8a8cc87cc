"""The gateway's interfaces (seeds/001 §4.3–4.5) answering bad input natively: 001's envelope,
code 202 (传参数不规范), every problem named by its rule — in process, with an exam the gateway
holds put straight into its table (the collection itself is tested live in test_gateway_live.py)."""
from __future__ import annotations

from typing import Any

import pytest

from reference.config import load_config
from reference.crypto import sm2
from reference.families.gateway import plugin
from reference.storage.models import GatewayExam
from tests.conftest import NOW

HOSPITAL, DOCTOR_HOSPITAL = "H51080200011", "H51080200012"
QRURL = "/getway/reportAndFilm/api/qrurl"
DOCTOR_ID = "51080219800101001X"
#: the imaging cloud's SM2 public key the sandbox issues for the default seed (001 §4.4.3.1 注)
KEY = sm2.issued_key(load_config(None)).public_key


def _hold(running, accession: str = "CT261107000001", modality: str = "CT") -> None:  # type: ignore[no-untyped-def]
    with running.sandbox.db.session() as session:
        session.add(GatewayExam(hospital_code=HOSPITAL, exam_no="1000000001", accession=accession,
                                study_uid="1.2.3.4", modality=modality, patient_name="刘丹", source="http",
                                report={"psnName": "刘丹", "accessionNo": accession}, status="uploaded", findings=[],
                                instances=0, created_at=NOW, updated_at=NOW))


def _get(running, path: str, query: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    reply = running.client.get(f"{path}?{query}")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json"), reply.text
    return reply.json()


def _last(running, operation: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return running.sandbox.exchanges.query(operation=operation, limit=1)[0]


def _refused(body: dict[str, Any], rule: str) -> None:
    assert body["code"] == 202 and body["data"] is None and body["message"].startswith("传参数不规范："), body
    assert f"[{rule}]" in body["message"], body["message"]


@pytest.fixture
def held(running):
    _hold(running)
    return running


def test_qrurl_answers_as_001_shows(held):
    body = _get(held, QRURL, f"accessNumber=CT261107000001&modality=CT&hospitalId={HOSPITAL}")
    assert list(body) == ["code", "data", "message"] and body["code"] == 200 and body["message"] == "请求成功"
    assert body["data"].startswith("http://127.0.0.1:8000/getway/film?info=")
    assert _last(held, "qrurl")["verdict"] == "pass"


@pytest.mark.parametrize(("query", "rule", "named"), [
    ("accessNumber=CT261107000001&modality=CT", "GW-PARAM-MISSING", "hospitalId"),  # 001's own example URL
    ("", "GW-PARAM-MISSING", "accessNumber、modality、hospitalId"),
    (f"accessNumber=CT261107000001&modality=CT&hospitalld={HOSPITAL}", "DRIFT-ALIAS", "hospitalId"),
    (f"accessNumber=CT261107000001&modality=XX&hospitalId={HOSPITAL}", "SCHEMA-DICTIONARY", "XX"),
    (f"accessNumber=CT261107000001&modality=MR&hospitalId={HOSPITAL}", "GW-MODALITY-MISMATCH", "CT"),
    (f"accessNumber=NOPE&modality=CT&hospitalId={HOSPITAL}", "GW-UNKNOWN-ACCESSION", "NOPE"),
    ("accessNumber=CT261107000001&modality=CT&hospitalId=H51080200012", "GW-UNKNOWN-ACCESSION", "H51080200012"),
    (f"accessNumber={'9' * 51}&modality=CT&hospitalId={HOSPITAL}", "SCHEMA-MAXLENGTH", "51"),
])
def test_qrurl_and_qrcode_name_every_bad_parameter(held, query, rule, named):
    for path in (QRURL, "/getway/reportAndFilm/api/qrcode"):
        body = _get(held, path, query)
        _refused(body, rule)
        assert named in body["message"]
    assert _last(held, "qrcode")["verdict"] == "fail"


def test_lenient_mode_takes_the_gateways_hospital_and_accepts_the_drift(make_config, make_running):
    running = make_running(make_config(validation={"mode": "lenient"}))
    _hold(running)
    body = _get(running, QRURL, "accessNumber=CT261107000001&modality=CT")
    assert body["code"] == 200 and "[GW-HOSPITAL-DEFAULTED]" in body["message"] and HOSPITAL in body["message"]
    drift = _get(running, QRURL, f"accessNumber=CT261107000001&modality=CT&hospitalld={HOSPITAL}")
    assert drift["code"] == 200 and "[DRIFT-ALIAS]" in drift["message"]
    assert _last(running, "qrurl")["verdict"] == "warn"


def test_a_tampered_film_token_gets_a_page_saying_so(held):
    url = _get(held, QRURL, f"accessNumber=CT261107000001&modality=CT&hospitalId={HOSPITAL}")["data"]
    token = url.split("info=")[1]
    page = held.client.get(f"/getway/film?info={token[:-3]}AAA")
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "GW-FILM-TAMPERED" in page.text and "Traceback" not in page.text
    assert held.client.get("/getway/film").status_code == 400  # no token at all: a page too
    held.clock.advance(hours=721)
    expired = held.client.get(f"/getway/film?info={token}")
    assert expired.status_code == 410 and "GW-FILM-EXPIRED" in expired.text


def _login_values(**over: str) -> dict[str, str]:
    values = {"hisUserId": "2001", "type": "1", "doctorName": "李医生", "department": "放射科", "departmentCode": "FSK01",
              "doctorSex": "1", "doctorType": "1", "doctorCode": "D51080200001", "hospitalId": DOCTOR_HOSPITAL,
              "doctorIdCardNo": sm2.encrypt(DOCTOR_ID, KEY)}
    return {**values, **over}


def _hrball(running, values: dict[str, str] | None = None, raw: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    query = raw if raw is not None else plugin.parameter_string(values or {})
    return _get(running, "/hrball/", query)


def test_the_seed_example_names_the_missing_fields_and_the_decoded_name(running):
    body = _hrball(running, raw="hisUserId=1001&type=1&doctorName=$E5$BC$A0$E5$8C$BB$E7$94$9F")
    _refused(body, "GW-PARAM-MISSING")
    assert "张医生" in body["message"] and "doctorIdCardNo" in body["message"] and "department" in body["message"]


def test_login_and_logout(running):
    body = _hrball(running, _login_values())
    assert body["code"] == 200 and body["message"] == "登录成功" and body["data"]["doctorName"] == "李医生"
    assert DOCTOR_ID not in str(body) and body["data"]["doctorIdCardNo"].startswith("5108")
    out = _hrball(running, {"hisUserId": "2001", "type": "2"})
    assert out["code"] == 200 and out["message"] == "退出成功"
    _refused(_hrball(running, {"hisUserId": "2001", "type": "2"}), "GW-NOT-LOGGED-IN")


@pytest.mark.parametrize(("over", "raw_tail", "rule"), [
    ({"doctorIdCardNo": DOCTOR_ID}, "", "PCLOUD-SM2-PLAINTEXT"),
    ({"doctorIdCardNo": "zz!!"}, "", "PCLOUD-SM2-ENCODING"),
    ({"doctorIdCardNo": sm2.encrypt(DOCTOR_ID, KEY, layout="C1C2C3")}, "",
     "PCLOUD-SM2-C1C2C3"),
    ({"doctorIdCardNo": sm2.encrypt(DOCTOR_ID, sm2.key_pair_for_seed(1).public_key)}, "", "PCLOUD-SM2-WRONG-KEY"),
    ({"doctorSex": "7"}, "", "SCHEMA-DICTIONARY"),
    ({"doctorType": "9"}, "", "SCHEMA-DICTIONARY"),
    ({"type": "3"}, "", "SCHEMA-ENUM"),
    ({"hospitalId": "H99999999999"}, "", "GW-UNKNOWN-HOSPITAL"),
    ({}, "&{phoneNumber}=phoneNumber", "GW-HRBALL-PLACEHOLDER"),
    ({}, "&department2=$E5$Z1", "GW-DOLLAR-ESCAPE"),
])
def test_hrball_names_every_bad_parameter(running, over, raw_tail, rule):
    body = _hrball(running, raw=plugin.parameter_string(_login_values(**over)) + raw_tail)
    _refused(body, rule)


def test_hrball_accepts_the_launch_strings_field_set_with_a_warning(running):
    values = {k: v for k, v in _login_values(phoneNumber="13800000000").items() if k != "departmentCode"}
    body = _hrball(running, values)
    assert body["code"] == 200 and "[GW-HRBALL-FIELD-SETS]" in body["message"]


def test_the_reminder_needs_a_login_and_a_ciphertext(running):
    card = sm2.encrypt("110101199003070016", KEY)
    _refused(_get(running, "/iuWorkStation/swipingIdCardNo", f"hisUserId=2001&hospitalId={DOCTOR_HOSPITAL}&idCardNo={card}"),
             "GW-NOT-LOGGED-IN")
    _hrball(running, _login_values())
    _refused(_get(running, "/iuWorkStation/swipingIdCardNo", f"hisUserId=2001&hospitalId={DOCTOR_HOSPITAL}"
                  "&idCardNo=110101199003070016"), "PCLOUD-SM2-PLAINTEXT")
    _refused(_get(running, "/iuWorkStation/swipingIdCardNo", "hisUserId=2001"), "GW-PARAM-MISSING")
    post = running.client.post("/iuWorkStation/swipingIdCardNo", json={"hisUserId": "2001"}).json()
    _refused(post, "GW-PARAM-MISSING")
    assert "hospitalId、idCardNo" in post["message"]


def _delete(running, **over: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {"patientName": "刘丹", "accessionNo": "CT261107000001", "hospitalId": HOSPITAL, "operateDoctorName": "王医生",
            "operateDateTime": "2026-11-20 10:00:00", **over}
    reply = running.client.post("/getway/reportAndFilm/api/deleteImage", json={k: v for k, v in body.items() if v is not None})
    assert reply.status_code == 200
    return reply.json()


@pytest.mark.parametrize(("over", "rule"), [
    ({"patientName": None}, "SCHEMA-REQUIRED"),
    ({"operateDateTime": "2026/11/20"}, "SCHEMA-FORMAT"),
    ({"operateDateTime": "20261120T100000"}, "DRIFT-DATE-FORMAT"),
    ({"accessionNo": "NOPE"}, "GW-UNKNOWN-ACCESSION"),
    ({"patientName": "王五"}, "GW-DELETE-PATIENT-MISMATCH"),
    ({"hospitalId": None, "hospitalld": HOSPITAL}, "DRIFT-ALIAS"),
])
def test_delete_image_names_every_bad_field(held, over, rule):
    _refused(_delete(held, **over), rule)


def test_unknown_paths_under_the_gateway_answer_its_envelope(running):
    reply = running.client.get("/getway/reportAndFilm/api/qrurl2")
    assert reply.status_code == 404 and reply.json()["code"] == 404
    assert running.client.get(f"/getway/reportAndFilm/files/{'0' * 64}.zip").json()["code"] == 404


@pytest.mark.parametrize(("path", "body", "rule"), [
    ("/_sandbox/actions/hospital-examine", {"hospital": "H00000000000", "count": 1}, "CONTROL-UNKNOWN-INSTITUTION"),
    ("/_sandbox/actions/gateway-pull", {"hospital": "H00000000000"}, "CONTROL-UNKNOWN-INSTITUTION"),
    ("/_sandbox/actions/gateway-pull", {"startTime": "0000-00-00 00:00:00"}, "CONTROL-BAD-VALUE"),
])
def test_control_actions_name_what_they_cannot_do(running, path: str, body: dict[str, Any], rule: str) -> None:
    """Found by schemathesis (``-m heavy``): these were 500s before."""
    reply = running.client.post(path, json=body)
    assert reply.status_code == 400, reply.text
    assert [f["rule"] for f in reply.json()["findings"]] == [rule]
