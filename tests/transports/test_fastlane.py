"""The fast lane (reference/transports/http/fastlane.py) answers its operations exactly as Connexion
does: the same status, content type, reply bytes and findings (the refusals here change no state,
so the second answer is the first's).  Each request is sent twice, the same bytes: once with the
lane on, once with it off (every request then Connexion's)."""
from __future__ import annotations

import copy
import json
from types import SimpleNamespace
from typing import Any

import pytest
from connexion.jsonifier import Jsonifier
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


def _send(running: Any, path: str, body: Any, headers: list[tuple[str, str]] = []) -> tuple[Any, dict[str, Any]]:
    """``body`` posted to ``path`` (a GET of ``path`` when None); the reply and its exchange record."""
    if body is None:
        r = running.client.get(path, headers=headers)
    else:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        r = running.client.post(path, content=data, headers=[("content-type", "application/json"), *headers])
    record = running.sandbox.exchanges.query(uid=r.headers["x-imgcloud-exchange"])[0]
    return r, record


def test_the_lane_serves_the_hot_operations():
    assert {"getToken", "imgDld", "saveExamRpotImgIndx", "queryFormerlyExam", "queryExamPdfData",
            "getdigitalImageUrl", "filmPage", "wado"} <= HOT


@pytest.fixture
def lane(monkeypatch: Any) -> SimpleNamespace:
    """The lane switched on or off (``on``), and the paths it served (``served``)."""
    switch = SimpleNamespace(on=True, served=[])
    route = FastLane._route

    def switched(self: FastLane, scope: Any) -> Any:
        found = route(self, scope) if switch.on else None
        if found is not None:
            switch.served.append(scope["path"])
        return found

    monkeypatch.setattr(FastLane, "_route", switched)
    return switch


def _both_ways(running: Any, lane: SimpleNamespace, path: str, body: Any,
               headers: list[tuple[str, str]] = []) -> tuple[int, dict[str, Any]]:
    """Send the same request with the lane on and off; both answers alike; how many went by the lane."""
    before = len(lane.served)
    fast, fast_record = _send(running, path, body, headers)
    served = len(lane.served) - before
    lane.on = False
    try:
        slow, slow_record = _send(running, path, body, headers)
    finally:
        lane.on = True
    assert (fast.status_code, fast.headers["content-type"], fast.content) == \
        (slow.status_code, slow.headers["content-type"], slow.content)
    for key in ("family", "operation", "institution", "verdict", "status", "url"):
        assert fast_record[key] == slow_record[key], key
    assert [f["rule"] for f in fast_record["findings"]] == [f["rule"] for f in slow_record["findings"]]
    return served, fast_record


@pytest.mark.parametrize(("path", "body"), CASES)
def test_the_lane_answers_as_connexion_does(running, lane, path, body):
    served, _ = _both_ways(running, lane, path, body)
    assert served == (0 if len(path) > 40 else 1)  # a centre code over its maxLength: Connexion's


def test_a_query_string_on_an_operation_with_a_body_is_connexions(running, lane):
    served, _ = _both_ways(running, lane, IMGDLD + "?via=connexion", {"serviceName": "bogus"})
    assert served == 0


def test_the_lane_answers_the_doctors_operations_as_connexion_does(running, lane):
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
        served, record = _both_ways(running, lane, f"/interface/{operation}", body, headers)
        assert served == by_lane, (operation, headers)
        assert record["operation"] == operation and record["verdict"] != "pass", record
        assert not rule or rule in [f["rule"] for f in record["findings"]], (rule, record["findings"])


WADO = "/hospital/H51080200011/wado"
UIDS = "studyUID=1.2.3&seriesUID=1.2.3.4&objectUID=1.2.3.4.5"


@pytest.mark.parametrize(("query", "by_lane", "status"), [
    (f"requestType=WADO&{UIDS}&contentType=application%2Fdicom", 1, 404),  # an unknown instance: the handler's 404
    (f"requestType=WADO&{UIDS}", 1, 404),                       # contentType left out: its default
    (f"{UIDS}&requestType=WADO", 1, 404),                       # in another order
    (UIDS, 0, 400),                                             # requestType missing
    (f"requestType=WADO&{UIDS}&contentType=image%2Fjpeg", 0, 400),  # a value its enum refuses
    ("requestType=WADO&studyUID=1.2.x&seriesUID=1&objectUID=1", 0, 400),  # a pattern refused
    ("requestType=WADO&studyUID=&seriesUID=1&objectUID=1", 0, 400),  # blank
    (f"requestType=WADO&{UIDS}&objectUID=9", None, None),       # a parameter sent twice
    (f"requestType=WADO&{UIDS}&frameNumber=1", 0, 404),         # a parameter the operation does not name
])
def test_the_lane_answers_wado_as_connexion_does(running, lane, query, by_lane, status):
    """A GET's string query parameters: taken by the lane when plain, else left to Connexion, the
    answer alike either way (Connexion's own answer to a parameter sent twice is whatever it is)."""
    served, record = _both_ways(running, lane, f"{WADO}?{query}", None)
    assert record["operation"] == "wado"
    if by_lane is not None:
        assert (served, record["status"]) == (by_lane, status)
    else:
        assert served == 0


@pytest.mark.parametrize(("query", "by_lane"), [("Info=1.nosuchsignature", 1), ("", 0), ("Info=" + "x" * 101, 0),
                                                 ("Info=1.x&Info=2.y", 0), ("Info=1.x&more=1", 0)])
def test_the_lane_answers_the_film_page_as_connexion_does(running, lane, query, by_lane):
    """003's film page (HTML, its refusals pages): the same page either way."""
    served, record = _both_ways(running, lane, f"/film/?{query}" if query else "/film/", None)
    assert served == by_lane and record["operation"] == "filmPage" and record["status"] >= 400


@pytest.mark.parametrize("schema", [{"type": "string", "maxLength": 20}, {"type": "string", "pattern": "^S[0-9]+$"},
                                    {"type": "string", "minLength": 2, "enum": ["S1", "S2"]}])
@pytest.mark.parametrize("value", ["S1", "S51080200001", "", " S1", "S1 ", "S" * 20, "S" * 21, "x y", "S2"])
def test_a_path_parameter_is_judged_as_jsonschema_judges_it(schema, value):
    """The lane's parameter check (quick check, else jsonschema) answers as jsonschema alone does."""
    assert _param_check(schema)(value) is Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).is_valid(value)


def _all_lanes() -> list[Any]:
    from reference.families import all_families
    from reference.transports.http.fastlane import lanes
    from reference.transports.http.resolver import FamilyResolver
    from reference.transports.http.specs import joined_spec

    families = all_families()
    joined = joined_spec(families)
    found = lanes(joined, FamilyResolver(families, joined.owners), Jsonifier(json, ensure_ascii=False))
    return [lane for by_method in found.values() for lane in by_method]


@pytest.mark.parametrize("result", [
    {"code": 0, "message": "成功", "output": [{"hiImgIndx": "X", "stas": "1"}]},
    {"infcode": -1, "err_msg": "入参不规范 / bad input", "nested": {"when": None, "n": 1.5, "ok": True}},
    {},
    [{"a": 1}],
    ({"code": 0}, 201),
    ({"code": 0}, 200, {"X-Extra": "1"}),
    "plain text",
    None,
])
def test_a_lanes_reply_is_built_as_connexions_decorator_builds_it(result):
    """``Lane.respond`` builds a ``dict`` result itself (without the decorator's per-request
    inference): the same status, headers and bytes as Connexion's response decorator, for every
    lane; anything else is the decorator's."""
    from connexion.context import _operation

    checked = 0
    for lane in _all_lanes():
        _operation.set(lane.operation)
        try:
            expected = lane.responses.build_framework_response(copy.deepcopy(result))  # (it fills in headers)
        except Exception as exc:  # the decorator refuses it (e.g. several media types, a plain str)
            with pytest.raises(type(exc)):
                lane.respond(copy.deepcopy(result))
            continue
        got = lane.respond(copy.deepcopy(result))
        assert (got.status_code, got.raw_headers, got.body) == \
            (expected.status_code, expected.raw_headers, expected.body), lane.operation.operation_id
        checked += 1
    assert checked >= 2
    json_lanes = {lane.operation.operation_id for lane in _all_lanes() if lane.json_type}
    assert {"saveExamRpotImgIndx", "imgDld"} <= json_lanes and "wado" not in json_lanes  # wado: two types
