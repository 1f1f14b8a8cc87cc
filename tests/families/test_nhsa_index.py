"""The national index family end to end through the HTTP boundary (seeds/000 §1.1–1.2)."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from reference.storage.models import IndexRecord
from reference.validators import idcard, uscc
from tests.families.nhsa_helpers import DELETE, SAVE, delete, request, rows, rules_in, save


def stored(running: Any) -> dict[str, dict[str, Any]]:
    with running.sandbox.db.session() as session:
        return {r.hi_img_indx: r.row for r in session.scalars(select(IndexRecord).where(IndexRecord.deleted_at.is_(None)))}


def test_generated_row_is_saved(running):
    row = rows(running.config)[0]
    reply = save(running, [row])
    assert reply["code"] == 0 and reply["type"] == "success"
    assert reply["data"] == [{"hiImgIndx": row["hiImgIndx"], "succFlag": "1", "message": "保存数据成功"}]
    assert stored(running)[row["hiImgIndx"]] == row


def test_rows_upsert_by_index(running):
    row = rows(running.config)[0]
    save(running, [row])
    row["diagRslt"] = "复查：" + row["diagRslt"]
    assert save(running, [row])["data"][0]["succFlag"] == "1"
    assert stored(running)[row["hiImgIndx"]]["diagRslt"].startswith("复查：")
    assert len(stored(running)) == 1


def test_both_node_names_are_accepted(running):
    row = rows(running.config)[0]
    body = request(running.config, "saveExamRpotImgIndx", [])
    body.pop("input")
    body["data"] = [row]
    reply = running.client.post(SAVE, json=body).json()
    assert reply["code"] == 0
    assert reply["data"][0]["succFlag"] == "1"
    assert "DRIFT-NODE" in rules_in(reply["message"])  # the default profile's node is input: named, accepted
    assert "DRIFT-NODE" in _exchange_rules(running)


def _exchange_rules(running: Any) -> set[str]:
    latest = running.client.get("/_sandbox/exchanges?limit=1&direction=inbound").json()[0]
    return {f["rule"] for f in latest["findings"]}


# -- row-level bad input: succFlag -1, the other rows still saved --------------------------

def _bad_certno(row: dict[str, Any]) -> None:
    good = row["certno"]
    wrong = "0" if good[-1] != "0" else "1"
    row["certno"] = good[:-1] + wrong


def _bad_uscc(row: dict[str, Any]) -> None:
    value = row["stogInsUscc"]
    wrong = next(c for c in "0123456789" if c != value[-1])
    row["stogInsUscc"] = value[:-1] + wrong


def _disagreeing_index(row: dict[str, Any]) -> None:
    parts = row["hiImgIndx"].split("-")
    parts[1] = "201901010800"  # exam time in the index no longer matches examDate
    row["hiImgIndx"] = "-".join(parts)


ROW_CASES = {
    "missing required field": (lambda r: r.pop("psnName"), "SCHEMA-REQUIRED", "psnName"),
    "blank required field": (lambda r: r.update(psnName=""), "SCHEMA-REQUIRED", "psnName"),
    "too long": (lambda r: r.update(psnName="张" * 51), "SCHEMA-MAXLENGTH", "psnName"),
    "bad dictionary code": (lambda r: r.update(gend="M"), "SCHEMA-ENUM", "gend"),
    "bad multi-valued dictionary code": (lambda r: r.update(imgExamType="2|7"), "SCHEMA-DICTIONARY", "imgExamType"),
    "wrong type": (lambda r: r.update(age="35"), "SCHEMA-TYPE", "age"),
    "datetime given as date": (lambda r: r.update(appyDate="2026-11-01"), "DRIFT-DATE-FORMAT", "appyDate"),
    "bad ID check digit": (_bad_certno, "ID-CHECK-DIGIT", "certno"),
    "birth date disagrees with ID": (lambda r: r.update(brdy="1990-01-01"), "ID-BRDY-MISMATCH", "certno"),
    "bad USCC": (_bad_uscc, "USCC-CHECK-CHAR", "stogInsUscc"),
    "malformed hiImgIndx": (lambda r: r.update(hiImgIndx="ABC-123"), "HIIDX-LAYOUT", "hiImgIndx"),
    "hiImgIndx disagrees with row": (_disagreeing_index, "HIIDX-EXAM-DATE", "hiImgIndx"),
    "misspelt key": (lambda r: r.update(stogInsUsec=r.pop("stogInsUscc")), "DRIFT-ALIAS", "stogInsUsec"),
}


@pytest.mark.parametrize("case", list(ROW_CASES))
def test_bad_row_is_rejected_with_a_named_finding(running, case):
    spoil, rule, field = ROW_CASES[case]
    good, bad = rows(running.config, 2)
    spoil(bad)
    reply = save(running, [good, bad])
    assert reply["code"] == 0
    assert reply["data"][0]["succFlag"] == "1"
    result = reply["data"][1]
    assert result["succFlag"] == "-1", result
    assert rule in rules_in(result["message"])
    assert field in result["message"]
    assert good["hiImgIndx"] in stored(running)
    assert bad.get("hiImgIndx") not in stored(running) or bad["hiImgIndx"] == good["hiImgIndx"]
    findings = running.client.get("/_sandbox/exchanges?operation=saveExamRpotImgIndx&limit=1&direction=inbound").json()[0]["findings"]
    assert any(f["rule"] == rule and f["path"].startswith("input[1]") for f in findings)


def test_validators_agree_with_generated_data(config):
    """The fixtures above rely on generated rows being valid to begin with."""
    row = rows(config)[0]
    assert idcard.check(row["certno"]) == [] and uscc.check(row["stogInsUscc"]) == []


# -- envelope-level bad input: code -1, nothing stored --------------------------------------

def _with_body(running: Any, path: str, **kw: Any) -> dict[str, Any]:
    response = running.client.post(path, **kw)
    assert response.status_code == 200
    return response.json()


ENVELOPE_CASES = {
    "wrong key": (dict(key="WRONG-KEY"), "NIDX-AUTH-KEY"),
    "unknown institution": (dict(infCode="S99999999999"), "NIDX-AUTH-UNKNOWN"),
    "wrong infno": (dict(infno="saveExamRpotImgIdx"), "NIDX-INFNO"),
    "empty input": (dict(input=[]), "NIDX-EMPTY"),
    "missing key": (dict(key=""), "SCHEMA-REQUIRED"),
    "msgid prefix differs from infCode": (dict(msgid="H51080200011" + "20261120103000" + "0001"), "MSGID-PREFIX"),
}


@pytest.mark.parametrize("case", list(ENVELOPE_CASES))
def test_bad_envelope_is_rejected_natively(running, case):
    overrides, rule = ENVELOPE_CASES[case]
    row = rows(running.config)[0]
    reply = save(running, [row], **overrides)
    assert reply["code"] == -1 and reply["type"] == "error" and reply["data"] is None
    assert rule in rules_in(reply["message"])
    assert stored(running) == {}
    latest = running.client.get("/_sandbox/exchanges?limit=1&direction=inbound").json()[0]
    assert latest["verdict"] == "fail" and rule in {f["rule"] for f in latest["findings"]}


def test_malformed_json(running):
    reply = _with_body(running, SAVE, content=b'{"infno": "saveExamRpotImgIndx", ', headers={"content-type": "application/json"})
    assert reply["code"] == -1 and "HTTP-JSON" in rules_in(reply["message"])


def test_wrong_content_type(running):
    body = request(running.config, "saveExamRpotImgIndx", rows(running.config))
    import json

    reply = _with_body(running, SAVE, content=json.dumps(body).encode(), headers={"content-type": "text/plain"})
    assert reply["code"] == -1 and "HTTP-CONTENT-TYPE" in rules_in(reply["message"])
    assert stored(running) == {}


def test_empty_body(running):
    reply = _with_body(running, SAVE, content=b"", headers={"content-type": "application/json"})
    assert reply["code"] == -1 and "HTTP-EMPTY-BODY" in rules_in(reply["message"])


def test_repeated_msgid(running):
    row = rows(running.config)[0]
    body = request(running.config, "saveExamRpotImgIndx", [row])
    first = running.client.post(SAVE, json=body).json()
    replay = running.client.post(SAVE, json=body).json()
    assert replay == first
    assert "NIDX-MSGID-REPLAY" in _exchange_rules(running)
    changed = dict(body, input=[dict(row, diagRslt="另一份报告")])
    conflict = running.client.post(SAVE, json=changed).json()
    assert conflict["code"] == -1 and "NIDX-MSGID-CONFLICT" in rules_in(conflict["message"])
    assert stored(running)[row["hiImgIndx"]]["diagRslt"] == row["diagRslt"]


def test_delete(running):
    kept, gone = rows(running.config, 2)
    save(running, [kept, gone])
    reply = delete(running, [gone["hiImgIndx"], "UNKNOWN-INDEX"])
    assert reply["code"] == 0
    assert reply["data"][0] == {"hiImgIndx": gone["hiImgIndx"], "succFlag": "1", "message": "删除数据成功"}
    assert reply["data"][1]["succFlag"] == "-1" and "NIDX-DELETE-UNKNOWN" in rules_in(reply["data"][1]["message"])
    assert set(stored(running)) == {kept["hiImgIndx"]}
    again = delete(running, [gone["hiImgIndx"]])
    assert again["data"][0]["succFlag"] == "-1"


def test_another_centre_cannot_touch_an_index(running):
    row = rows(running.config)[0]
    save(running, [row])
    other = running.config.institution("S51080200002")
    reply = delete(running, [row["hiImgIndx"]], inst=other)
    assert reply["data"][0]["succFlag"] == "-1" and "NIDX-FOREIGN-INDEX" in rules_in(reply["data"][0]["message"])
    assert row["hiImgIndx"] in stored(running)


def test_failed_request_changes_nothing(running, monkeypatch):
    """A failure after rows were written rolls the whole request back."""
    from reference.national import idempotency

    first = rows(running.config)[0]
    save(running, [first])
    before = stored(running)
    changed = dict(first, diagRslt="被回滚的修改")
    monkeypatch.setattr(idempotency, "remember", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full")))
    body = request(running.config, "saveExamRpotImgIndx", [changed, rows(running.config, 2)[1]])
    response = running.client.post(SAVE, json=body)
    reply = response.json()
    assert reply["code"] == -1 and "SANDBOX-INTERNAL" in rules_in(reply["message"])
    assert "Traceback" not in response.text
    assert stored(running) == before
    assert running.client.get("/_sandbox/exchanges?limit=1&direction=inbound").json()[0]["verdict"] == "error"


def test_delete_path_has_its_own_envelope(running):
    reply = _with_body(running, DELETE, content=b"[", headers={"content-type": "application/json"})
    assert reply["code"] == -1 and reply["data"] is None
