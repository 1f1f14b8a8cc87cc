"""The regional platform's REST API (seeds/004 §3.2, §3.4.3; INTERFACES.md §5): getToken's sign
and every way it can be wrong, the token's 2 h + 15 min, 004's statistics sample verbatim,
exam/push checks, the native envelope for every refusal, the report page's parameters."""
from __future__ import annotations

import copy
from datetime import datetime

import pytest

from reference.crypto import rsa
from reference.regional import identity
from sim.actors.regional import make_sign
from tests.regional import seed004
from tests.regional.helpers import HOSPITAL, exam, push, push_body, token
from tests.seeds import needs_seeds

GET_TOKEN = "/openapi/v1/auth/getToken"


def _get_token(running, sign: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return dict(running.client.post(GET_TOKEN, json={"sign": sign}).json())


def _rules(running, reply) -> set[str]:  # type: ignore[no-untyped-def]
    running.sandbox.exchanges.flush()
    record = running.sandbox.exchanges.query(limit=1, family="regional-archive")[0]
    return {f["rule"] for f in record["findings"]}


def test_get_token_with_the_published_public_key(running):
    public = running.client.get("/_sandbox/regional-platform/rsa-public-key").json()
    assert public["bits"] == 2048 and "BEGIN PUBLIC KEY" in public["publicKey"]
    inst = running.config.institution(HOSPITAL)
    sign = make_sign(running.config, inst, public_key=rsa.load_public(public["publicKey"]))
    reply = _get_token(running, sign)
    assert reply["status"] == 0 and reply["message"] == "操作成功" and len(reply["result"]["token"]) == 64
    with_time = make_sign(running.config, inst, when=datetime(2026, 11, 20, 10, 33))
    assert _get_token(running, with_time)["status"] == 0


@pytest.mark.parametrize(("variant", "rule"), [
    ({"padding": "oaep"}, "REGIONAL-SIGN-OAEP"),
    ({"public_key": rsa.key_for_seed(7).public_key()}, "REGIONAL-SIGN-WRONG-KEY"),
    ({"order": "reversed"}, "REGIONAL-SIGN-ORDER"),
    ({"order": "table", "when": datetime(2026, 11, 20, 10, 30)}, "REGIONAL-SIGN-TABLE-ORDER"),
    ({"when": datetime(2026, 11, 20, 10, 40)}, "REGIONAL-SIGN-TIME"),
])
def test_each_wrong_sign_is_named(running, variant, rule):
    reply = _get_token(running, make_sign(running.config, running.config.institution(HOSPITAL), **variant))
    assert reply["status"] == 1 and rule in reply["message"] and "result" not in reply
    assert rule in _rules(running, reply)


def test_wrong_fields_in_a_sign(running):
    config = running.config
    inst, other = config.institution(HOSPITAL), config.institution("H51080200012")
    key = rsa.issued_key(config).public_key()
    app, lic = identity.app_id(config, inst), identity.license_for(config, inst)
    for text, rule in ((f"unknown,0011,{lic}", "REGIONAL-SIGN-APPID"), (f"{app},0012,{lic}", "REGIONAL-SIGN-ORGID"),
                       (f"{app},0011,{identity.license_for(config, other)}", "REGIONAL-SIGN-LICENSE"),
                       ("just text", "REGIONAL-SIGN-FORMAT")):
        assert rule in _get_token(running, rsa.encrypt_sign(text, key))["message"]
    assert "REGIONAL-SIGN-BASE64" in _get_token(running, "not base64!")["message"]


def test_the_tables_order_is_accepted_with_a_warning_in_lenient_mode(make_running, make_config):
    running = make_running(make_config(validation={"mode": "lenient"}))
    sign = make_sign(running.config, running.config.institution(HOSPITAL), order="table", when=datetime(2026, 11, 20, 10, 29))
    reply = _get_token(running, sign)
    assert reply["status"] == 0 and "REGIONAL-SIGN-TABLE-ORDER" in reply["message"]


def test_the_token_lives_2_hours_and_15_minutes(running, clock):
    tok = token(running.client, running.config)
    body = push_body(exam(running.config))
    clock.advance(hours=2, minutes=10)
    assert push(running.client, running.config, body, tok)["status"] == 0
    clock.advance(minutes=6)
    reply = push(running.client, running.config, body, tok)
    assert reply["status"] == 1 and "REGIONAL-TOKEN-EXPIRED" in reply["message"]
    unknown = push(running.client, running.config, body, "f" * 64)
    assert "REGIONAL-TOKEN-UNKNOWN" in unknown["message"]


@needs_seeds("004")
def test_004s_statistics_sample_verbatim(running):
    sample = seed004.statistics_sample()
    tok = token(running.client, running.config)
    reply = running.client.post("/cloudpacs/v1/exam/uploadStatistics", json=sample, headers={"token": tok})
    assert reply.status_code == 200 and reply.json()["status"] == 0
    rows = running.client.get("/_sandbox/state/regional/statistics", params={"examDate": "2020-02-06"}).json()
    assert [(r["hospitalCode"], r["examClass"], r["accordCount"], r["received"]) for r in rows] == \
        [("0001", "CT", 55, 0), ("0002", "MR", 20, 0)]
    # without a token: status 1, naming it
    refused = running.client.post("/cloudpacs/v1/exam/uploadStatistics", json=sample).json()
    assert refused["status"] == 1 and "token" in refused["message"] and "REGIONAL-TOKEN-MISSING" in refused["message"]


def test_the_envelope_for_what_is_not_a_request_of_this_api(running):
    tok = token(running.client, running.config)
    other = running.client.post("/otherproject/v1/exam/uploadStatistics", json=[], headers={"token": tok})
    assert other.status_code == 404 and other.json()["status"] == 999 and "REGIONAL-PROJECT-UNKNOWN" in other.json()["message"]
    garbage = running.client.post("/cloudpacs/v1/exam/push", content=b"{not json", headers={"content-type": "application/json",
                                                                                           "token": tok})
    assert garbage.json()["status"] == 999 and "HTTP-JSON" in garbage.json()["message"]
    empty = running.client.post("/cloudpacs/v1/exam/uploadStatistics", json=[], headers={"token": tok}).json()
    assert empty["status"] == 1


def test_push_checks(running):
    config, client = running.config, running.client
    tok = token(client, config)
    good = push_body(exam(config, 1))
    assert push(client, config, good, tok) == {"status": 0, "message": "操作成功"}
    state = client.get(f"/_sandbox/state/regional/exams/0011/{good['examNo']}").json()
    assert state["studies"] == [good["imageList"][0]["studyUID"]] and state["patientID"] == good["examInfo"]["patientID"]
    one = copy.deepcopy(good)
    one["patientInfo"]["identity"] = one["patientInfo"]["identity"][0]  # "多个为json数组": one object is one item
    assert push(client, config, one, tok)["status"] == 0
    cases = []
    long_no = copy.deepcopy(good)
    long_no["examNo"] = "X" * 33
    cases.append((long_no, "SCHEMA-MAXLENGTH", "examNo"))
    mismatch = copy.deepcopy(good)
    mismatch["imageList"][0]["patientID"] = "OTHER"
    cases.append((mismatch, "REGIONAL-PATIENTID-MISMATCH", "imageList[0].patientID"))
    foreign = copy.deepcopy(good)
    foreign["hospitalCode"] = "0012"
    cases.append((foreign, "REGIONAL-HOSPITAL-MISMATCH", "hospitalCode"))
    drift = copy.deepcopy(good)
    drift["imageList"][0]["studyUid"] = drift["imageList"][0].pop("studyUID")
    cases.append((drift, "DRIFT-ALIAS", "imageList[0].studyUid"))
    missing = copy.deepcopy(good)
    del missing["examInfo"]["examTime"]
    cases.append((missing, "SCHEMA-REQUIRED", "examInfo.examTime"))
    taken = push_body(exam(config, 2))
    taken["imageList"][0]["studyUID"] = good["imageList"][0]["studyUID"]
    cases.append((taken, "REGIONAL-STUDY-TAKEN", "imageList[0].studyUID"))
    for body, rule, path in cases:
        reply = push(client, config, body, tok)
        assert reply["status"] == 1 and f"[{rule}] {path}" in reply["message"], (rule, reply)


def test_report_page_parameters(running):
    no_parameter = running.client.get("/clinic/html/query.htm")
    assert no_parameter.status_code == 400 and "REGIONAL-QUERY-PARAM" in no_parameter.text
    assert no_parameter.headers["content-type"].startswith("text/html")
    no_prefix = running.client.get("/clinic/html/query.htm", params={"sick_id": "brid00"})
    assert no_prefix.status_code == 400 and "REGIONAL-QUERY-PREFIX" in no_prefix.text
    none = running.client.get("/clinic/html/query.htm", params={"exam_no": "7173_nothing"})
    assert none.status_code == 200 and "data-count='0'" in none.text


@needs_seeds("004")
def test_the_push_contract_follows_004s_table(running):
    """Every field of 004 §3.2.3.1: present in the spec, its VC(n)/C(n) as maxLength, 必须 as required."""
    from reference.families import by_name

    schemas = by_name("regional-archive").spec()["components"]["schemas"]
    root = schemas["ExamPushRequest"]

    def schema_at(path: str) -> tuple[dict, dict]:  # type: ignore[type-arg]
        parent, node = root, root
        for part in path.split("."):
            parent = node
            node = node["properties"][part]
            node = node.get("items", node) if node.get("type") == "array" else node
        return parent, node

    checked = 0
    for path, (required, fmt) in seed004.push_fields().items():
        parent, node = schema_at(path.replace(" ", ""))
        name = path.rsplit(".", 1)[-1].strip()
        if fmt.startswith(("VC(", "C(")):
            assert node.get("maxLength") == int(fmt.split("(")[1].rstrip(")")), path
            checked += 1
        if required:
            assert name in parent.get("required", []), path
    assert checked > 90


def test_the_sandboxs_own_failure_is_status_500(running, monkeypatch):
    from reference.families.regional_archive import service

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    tok = token(running.client, running.config)
    monkeypatch.setattr(service, "push", broken)
    reply = running.client.post("/cloudpacs/v1/exam/push", json=push_body(exam(running.config, 5)), headers={"token": tok})
    assert reply.status_code == 500 and reply.json()["status"] == 500 and "SANDBOX-INTERNAL" in reply.json()["message"]
    assert "disk on fire" not in reply.text
