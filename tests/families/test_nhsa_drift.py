"""Known drift between the documents (INTERFACES.md): named in both modes, rejected in
strict mode, accepted with warnings in lenient mode."""
from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import NOW
from tests.families.nhsa_helpers import SAVE, request, rows, rules_in

DRIFTED_KEYS = {
    "hiImgIdx": "hiImgIndx",
    "stogInsUsec": "stogInsUscc",
    "elecHiCardNo": "elecHlCardNo",
    "postcode": "poscode",
    "rpotDate": "rptDate",
}


def _drifted_row(config: Any) -> dict[str, Any]:
    row = rows(config)[0]
    for drifted, canonical in DRIFTED_KEYS.items():
        row[drifted] = row.pop(canonical)
    row[" psnName"] = row.pop("psnName")
    row["examRsltCode"] = "Normal"
    row["chkDate"] = NOW.strftime("%Y-%m-%d %H:%M:%S")  # 000 types chkDate String 8 (yyyyMMdd)
    return row


def _post(make_config: Any, make_running: Any, mode: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    running = make_running(make_config(validation={"mode": mode}))
    body = request(running.config, "saveExamRpotImgIndx", [_drifted_row(running.config)])
    body[" infno"] = body.pop("infno")
    reply = running.client.post(SAVE, json=body).json()
    findings = running.client.get("/_sandbox/exchanges?limit=1&direction=inbound").json()[0]["findings"]
    return reply, findings


EXPECTED = {
    ("DRIFT-ALIAS", "input[0].hiImgIdx"),
    ("DRIFT-ALIAS", "input[0].stogInsUsec"),
    ("DRIFT-ALIAS", "input[0].elecHiCardNo"),
    ("DRIFT-ALIAS", "input[0].postcode"),
    ("DRIFT-ALIAS", "input[0].rpotDate"),
    ("DRIFT-KEY-SPACE", "input[0].psnName"),
    ("DRIFT-KEY-SPACE", "infno"),
    ("SCHEMA-DICTIONARY", "input[0].examRsltCode"),
    ("DRIFT-DATE-FORMAT", "input[0].chkDate"),
}


@pytest.mark.parametrize("mode", ["lenient", "strict"])
def test_known_drift_is_named(make_config, make_running, mode):
    reply, findings = _post(make_config, make_running, mode)
    named = {(f["rule"], f["path"]) for f in findings}
    assert EXPECTED <= named, EXPECTED - named
    alias = next(f for f in findings if f["path"] == "input[0].hiImgIdx")
    assert "did you mean hiImgIndx?" in alias["en"] and "hiImgIndx" in alias["zh"]
    if mode == "lenient":
        assert reply["code"] == 0 and reply["data"][0]["succFlag"] == "0", reply
        assert {f["severity"] for f in findings if (f["rule"], f["path"]) in EXPECTED} == {"warning"}
    else:
        # a drifted envelope key rejects the whole request in strict mode
        assert reply["code"] == -1 and "DRIFT-KEY-SPACE" in rules_in(reply["message"])


def test_strict_rejects_drifted_row_with_clean_envelope(running):
    reply = running.client.post(SAVE, json=request(running.config, "saveExamRpotImgIndx",
                                                   [_drifted_row(running.config)])).json()
    assert reply["code"] == 0 and reply["data"][0]["succFlag"] == "-1"
    assert {"DRIFT-ALIAS", "DRIFT-KEY-SPACE", "SCHEMA-DICTIONARY"} <= rules_in(reply["data"][0]["message"])


def test_unknown_field_suggests_the_closest_name(running):
    row = rows(running.config)[0]
    row["examDat"] = row["examDate"]
    reply = running.client.post(SAVE, json=request(running.config, "saveExamRpotImgIndx", [row])).json()
    assert reply["data"][0]["succFlag"] == "0"
    assert "did you mean examDate?" in reply["data"][0]["message"]


def test_sichuan_profile_uses_its_own_names_and_lengths(make_config, make_running):
    """S51080200002 uses profile sichuan-2025-09: node data, rpotDate, links of at most 500."""
    running = make_running(make_config())
    inst = running.config.institution("S51080200002")
    row = rows(running.config)[0]
    row["rpotDate"] = row.pop("rptDate")
    row["chkDate"] = NOW.strftime("%Y-%m-%d %H:%M:%S")  # datetime in 002
    row["diagTime"] = row["diagTime"] + " 09:00:00"  # datetime in 002, Date in 000
    row["imgInfoLinkUrl"] = "http://example.org/" + "x" * 600
    body = request(running.config, "saveExamRpotImgIndx", [], inst=inst)
    body.pop("input")
    body["data"] = [row]
    reply = running.client.post(SAVE, json=body).json()
    assert reply["code"] == 0 and "DRIFT-NODE" not in rules_in(reply["message"])
    result = reply["data"][0]
    assert result["succFlag"] == "-1"
    assert rules_in(result["message"]) >= {"SCHEMA-MAXLENGTH"}
    assert "DRIFT-ALIAS" not in rules_in(result["message"]) and "DRIFT-DATE-FORMAT" not in rules_in(result["message"])
