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


def _post(running: Any, path: str, body: Any, query: str) -> tuple[Any, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    r = running.client.post(path + query, content=data, headers={"content-type": "application/json"})
    record = running.sandbox.exchanges.query(uid=r.headers["x-imgcloud-exchange"])[0]
    return r, record


def test_the_lane_serves_the_hot_operations():
    assert {"getToken", "imgDld", "saveExamRpotImgIndx"} <= HOT


@pytest.mark.parametrize(("path", "body"), CASES)
def test_the_lane_answers_as_connexion_does(running, monkeypatch, path, body):
    served: list[str] = []
    route = FastLane._route

    def counted(self: FastLane, scope: Any) -> Any:
        found = route(self, scope)
        if found is not None:
            served.append(scope["path"])
        return found

    monkeypatch.setattr(FastLane, "_route", counted)
    fast, fast_record = _post(running, path, body, "")
    lane = len(served)
    slow, slow_record = _post(running, path, body, "?via=connexion")
    assert len(served) == lane  # the query string: Connexion's
    assert lane == (0 if len(path) > 40 else 1)  # a centre code over its maxLength: Connexion's
    assert (fast.status_code, fast.headers["content-type"], fast.content) == \
        (slow.status_code, slow.headers["content-type"], slow.content)
    for key in ("family", "operation", "institution", "verdict", "status"):
        assert fast_record[key] == slow_record[key], key
    assert [f["rule"] for f in fast_record["findings"]] == [f["rule"] for f in slow_record["findings"]]


@pytest.mark.parametrize("schema", [{"type": "string", "maxLength": 20}, {"type": "string", "pattern": "^S[0-9]+$"},
                                    {"type": "string", "minLength": 2, "enum": ["S1", "S2"]}])
@pytest.mark.parametrize("value", ["S1", "S51080200001", "", " S1", "S1 ", "S" * 20, "S" * 21, "x y", "S2"])
def test_a_path_parameter_is_judged_as_jsonschema_judges_it(schema, value):
    """The lane's parameter check (quick check, else jsonschema) answers as jsonschema alone does."""
    assert _param_check(schema)(value) is Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).is_valid(value)
