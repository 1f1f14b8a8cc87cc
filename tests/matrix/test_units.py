"""The pieces of issue 15 on their own: a step's ``reads``, the contract checks of a reply, the
reply faults of a deliberately wrong stand-in."""
from __future__ import annotations

import json

import httpx
import pytest

from reference.config import load_config
from reference.config.model import ReplyFault
from reference.transports.http.faults import faulted
from reference.validation.replies import check_reply, section
from sim.scenario import ScenarioError, Targets, parse_scenario, run_scenario


def _reply(status: int, body: object, ctype: str = "application/json") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers={"content-type": ctype},
                          request=httpx.Request("POST", "http://vendor.invalid/x"))


def _rules(findings):  # type: ignore[no-untyped-def]
    return {(f.rule, f.path) for f in findings}


def test_a_conforming_reply_has_no_finding():
    assert check_reply("province-cloud", "getToken", _reply(200, {"code": 200, "msg": "成功", "datas": {"token": "t"}})) == []
    ok = {"code": 0, "type": "success", "message": "成功", "data": [{"hiImgIndx": "x", "succFlag": "1", "message": "ok"}]}
    assert check_reply("nhsa-index", "saveExamRpotImgIndx", _reply(200, ok)) == []
    refused = {"code": -1, "type": "error", "message": "[X] no", "data": None}
    assert check_reply("nhsa-index", "saveExamRpotImgIndx", _reply(200, refused)) == []


def test_owed_fields_codes_and_statuses_are_named():
    got = check_reply("province-cloud", "getToken", _reply(200, {"code": 200, "msg": "成功", "datas": {}}))
    assert _rules(got) == {("REPLY-OWED-FIELD", "datas.token")}
    assert got[0].source == "seeds/003 权限鉴定接口" and "datas.token" in got[0].zh and "datas.token" in got[0].en
    got = check_reply("province-cloud", "savePatientExam", _reply(400, {"code": 7, "msg": "?"}))
    assert _rules(got) == {("REPLY-CODE-UNDOCUMENTED", "code"), ("REPLY-STATUS-MISMATCH", "$")}
    got = check_reply("nhsa-index", "saveExamRpotImgIndx", _reply(500, b"oops", "text/plain"))
    assert [f.rule for f in got] == ["REPLY-STATUS-UNDOCUMENTED"]


def test_the_envelope_and_the_schema_are_checked_field_by_field():
    got = check_reply("nhsa-index", "saveExamRpotImgIndx", _reply(200, b"<html>", "application/json"))
    assert [f.rule for f in got] == ["REPLY-NOT-JSON"]
    got = check_reply("nhsa-index", "saveExamRpotImgIndx", _reply(200, {}, "text/html"))
    assert [f.rule for f in got] == ["REPLY-MEDIA-TYPE"]
    rows = {"code": 0, "type": "success", "message": "成功", "data": [{"succFlag": "2"}, {"hiImgIndx": "x" * 101}]}
    got = check_reply("nhsa-index", "saveExamRpotImgIndx", _reply(200, rows))
    assert _rules(got) == {("REPLY-SCHEMA", "data[0].succFlag"), ("REPLY-SCHEMA", "data[1].succFlag"),
                           ("REPLY-SCHEMA", "data[1].hiImgIndx")}
    assert {f.params["inner"] for f in got} == {"SCHEMA-ENUM", "SCHEMA-REQUIRED", "SCHEMA-MAXLENGTH"}


def test_operations_outside_a_contract_are_left_to_their_callers():
    assert check_reply("imaging-centre", "queryImgCahe", _reply(200, {})) == []
    assert section("imaging-centre", "queryImgCahe") == "seeds/000 §1.4"
    assert section("hospital-pacs", "getReportInfo") == "seeds/001 §4.1.2"


def test_reply_faults_remove_and_set():
    body = json.dumps({"code": 0, "data": [{"succFlag": "1", "hiImgIndx": "a"}, {"succFlag": "1"}]}).encode()
    out = json.loads(faulted(body, ReplyFault(operation="x", remove=["data[*].succFlag"], set={"code": 3, "data[0].hiImgIndx": None})))
    assert out == {"code": 3, "data": [{"hiImgIndx": None}, {}]}
    assert faulted(b"not json", ReplyFault(operation="x", remove=["a"])) == b"not json"


SCENARIO = {"name": "reads", "steps": [
    {"id": "state", "reads": {"internals": "imaging_centre"}, "action": "sandbox.health"},
    {"id": "after", "needs": ["state"], "action": "sandbox.health"},
]}


def test_a_step_reading_an_external_partys_internals_is_skipped_saying_why():
    config = load_config(None, parties={"imaging_centre": {"mode": "external", "base_url": "http://vendor.invalid"}})
    result = run_scenario(parse_scenario(SCENARIO), Targets(config, "http://127.0.0.1:9"))
    state, after = result.steps
    assert state.result == "skip" and state.reads == "internals:imaging_centre"
    assert "imaging_centre" in state.messages[0] and "http://vendor.invalid" in state.messages[0]
    assert after.result == "skip" and result.result == "skip"  # a skip is never a pass


def test_reads_names_a_known_party():
    bad = {"name": "reads", "steps": [{"id": "s", "reads": {"internals": "pacs"}, "action": "sandbox.health"}]}
    with pytest.raises(ScenarioError, match="no party 'pacs'"):
        parse_scenario(bad)
    with pytest.raises(ScenarioError):
        parse_scenario({"name": "reads", "steps": [{"id": "s", "reads": "memory", "action": "sandbox.health"}]})
