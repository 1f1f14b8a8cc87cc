"""The fast lane (reference/transports/http/fastlane.py) answers its operations exactly as Connexion
does: the same status, content type, reply bytes and findings (the refusals here change no state,
so the second answer is the first's).  A query string sends a request
to Connexion instead (the lane takes only plain requests), so each body is posted both ways."""
from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft4Validator

from reference.transports.http.fastlane import HOT, FastLane, _param_check

CENTRE = "S51080200001"
TOKEN = "/interface/getToken"
IMGDLD = f"/centre/{CENTRE}/imgDld"
INDEX = "/mie/api/mie/saveExamRpotImgIndx"

CASES: list[tuple[str, Any]] = [
    (TOKEN, {"uid": "H51080200011"}),
    (TOKEN, {"uid": 12, "appSecret": "x"}),
    (TOKEN, b"{not json"),
    (TOKEN, b""),
    (TOKEN, b"null"),
    (IMGDLD, {"hiImgIndx": "NO-SUCH-INDEX", "serviceName": "queryImgCaheFileSn"}),
    (IMGDLD, {"hiImgIndx": "NO-SUCH-INDEX", "serviceName": "queryImgCahe",
              "imgFileSn": {"examUuid": "1.2", "snUuid": "1.2.3", "instUuid": "1.2.3.4"}}),
    (IMGDLD, {"hiImgIndx": "NO-SUCH-INDEX", "serviceName": "queryImgCahe"}),
    (IMGDLD, {"serviceName": "bogus"}),
    (f"/centre/{'S' * 40}/imgDld", {"hiImgIndx": "X", "serviceName": "queryImgCaheFileSn"}),
    (INDEX, {"infno": "saveExamRpotImgIndx"}),
    (INDEX, [1, 2]),
]


def _post(running: Any, path: str, body: Any, query: str,
          headers: list[tuple[str, str]] = []) -> tuple[Any, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    r = running.client.post(path + query, content=data, headers=[("content-type", "application/json"), *headers])
    record = running.sandbox.exchanges.query(uid=r.headers["x-imgcloud-exchange"])[0]
    return r, record


def test_the_lane_serves_the_hot_operations():
    assert {"getToken", "imgDld", "saveExamRpotImgIndx", "queryFormerlyExam", "queryExamPdfData",
            "getdigitalImageUrl"} <= HOT


def _both_ways(running: Any, monkeypatch: Any, path: str, body: Any,
               headers: list[tuple[str, str]] = []) -> tuple[int, dict[str, Any]]:
    """Post ``body`` to the lane and to Connexion; both answers alike; how many went by the lane."""
    served: list[str] = []
    route = FastLane._route

    def counted(self: FastLane, scope: Any) -> Any:
        found = route(self, scope)
        if found is not None:
            served.append(scope["path"])
        return found

    monkeypatch.setattr(FastLane, "_route", counted)
    fast, fast_record = _post(running, path, body, "", headers)
    lane = len(served)
    slow, slow_record = _post(running, path, body, "?via=connexion", headers)
    assert len(served) == lane  # the query string: Connexion's
    assert (fast.status_code, fast.headers["content-type"], fast.content) == \
        (slow.status_code, slow.headers["content-type"], slow.content)
    for key in ("family", "operation", "institution", "verdict", "status"):
        assert fast_record[key] == slow_record[key], key
    assert [f["rule"] for f in fast_record["findings"]] == [f["rule"] for f in slow_record["findings"]]
    return lane, fast_record


@pytest.mark.parametrize(("path", "body"), CASES)
def test_the_lane_answers_as_connexion_does(running, monkeypatch, path, body):
    lane, _ = _both_ways(running, monkeypatch, path, body)
    assert lane == (0 if len(path) > 40 else 1)  # a centre code over its maxLength: Connexion's


def test_the_lane_answers_the_doctors_operations_as_connexion_does(running, monkeypatch):
    """003's doctor operations take their token in the ``X-Token`` header parameter: the lane judges
    it as Connexion does, and leaves to Connexion a value its schema refuses (over 99 characters) or
    the header sent twice; everything else — the handler's 403 for a missing or unknown token, a
    token sent in the body, a body the schema refuses, no data found — answered alike either way."""
    from tests.province_cloud.helpers import enc, token

    mine = token(running)
    history = {"searchType": "1", "idCardNo": enc(running), "patientName": "张三", "queryDocName": "黄医生",
               "queryDocCode": "10101", "queryDeptName": "放射科", "queryDeptCode": "0301", "mac": "00-1B-44-11-3A-B7"}
    pdf = {"accessNumber": "NO-SUCH-ACCESS", "queryDocName": "黄医生", "queryDocCode": "10101"}
    cases: list[tuple[str, Any, list[tuple[str, str]], int, str]] = [
        ("queryFormerlyExam", history, [("X-Token", mine)], 1, "PCLOUD-NO-DATA"),
        ("queryFormerlyExam", history, [], 1, "PCLOUD-TOKEN-MISSING"),
        ("queryFormerlyExam", history, [("x-token", "no-such-token")], 1, "PCLOUD-TOKEN-UNKNOWN"),
        ("queryFormerlyExam", {**history, "token": mine}, [], 1, "PCLOUD-TOKEN-IN-BODY"),
        ("queryFormerlyExam", {**history, "searchType": "9"}, [("X-Token", mine)], 1, ""),
        ("queryFormerlyExam", history, [("X-Token", "t" * 100)], 0, ""),
        ("queryFormerlyExam", history, [("X-Token", mine), ("X-Token", mine)], 0, ""),
        ("queryExamPdfData", pdf, [("X-Token", mine)], 1, "PCLOUD-NO-DATA"),
        ("queryExamPdfData", {}, [("X-Token", mine)], 1, ""),
        ("getdigitalImageUrl", {"examId": "NO-SUCH-EXAM"}, [("X-Token", mine)], 1, "PCLOUD-EXAM-UNKNOWN"),
        ("getdigitalImageUrl", [1], [("X-Token", mine)], 1, ""),
    ]
    for operation, body, headers, by_lane, rule in cases:
        lane, record = _both_ways(running, monkeypatch, f"/interface/{operation}", body, headers)
        assert lane == by_lane, (operation, headers)
        assert record["operation"] == operation and record["verdict"] != "pass", record
        assert not rule or rule in [f["rule"] for f in record["findings"]], (rule, record["findings"])


@pytest.mark.parametrize("schema", [{"type": "string", "maxLength": 20}, {"type": "string", "pattern": "^S[0-9]+$"},
                                    {"type": "string", "minLength": 2, "enum": ["S1", "S2"]}])
@pytest.mark.parametrize("value", ["S1", "S51080200001", "", " S1", "S1 ", "S" * 20, "S" * 21, "x y", "S2"])
def test_a_path_parameter_is_judged_as_jsonschema_judges_it(schema, value):
    """The lane's parameter check (quick check, else jsonschema) answers as jsonschema alone does."""
    assert _param_check(schema)(value) is Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).is_valid(value)
