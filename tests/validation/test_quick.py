"""The quick check (reference/validation/quick.py) never changes a report: for the fast lane's
operations and every other body schema, ``inspect_body`` with it answers exactly what the full
inspection (normaliser + jsonschema) answers — the same body, the same findings in the same order
with the same rule ids, severities, paths and texts — in strict and lenient mode, for both
profiles, on valid bodies and on bodies mutated by hypothesis (drift the normaliser reports as
warnings in lenient mode included)."""
from __future__ import annotations

import copy
import json
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference.validation.inspect as inspection
from reference.config import load_config
from reference.families import all_families
from reference.national.request import envelope
from reference.transports.http.fastlane import HOT
from reference.transports.http.specs import joined_spec
from reference.validation import inspect_body
from sim.demo import demo_index_rows

PROFILES = ("default", "sichuan-2025-09")
MODES = ("strict", "lenient")


def _schemas() -> dict[str, dict[str, Any]]:
    """Every operation's application/json request body schema, by operationId."""
    found: dict[str, dict[str, Any]] = {}
    for item in joined_spec(all_families()).spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "requestBody" in op:
                schema = op["requestBody"].get("content", {}).get("application/json", {}).get("schema")
                if schema:
                    found[op["operationId"]] = schema
    return found


SCHEMAS = _schemas()
#: The fast lane's operations with a JSON body (its GETs, WADO and the film page, have none to inspect).
LANE_BODIES = sorted(op for op in HOT if op in SCHEMAS)


def _valid_bodies() -> dict[str, dict[str, Any]]:
    config = load_config(None)
    hospital = config.institution("H51080200011")
    assert hospital is not None
    centre, rows = demo_index_rows(config, 1, on=date(2026, 11, 20), seed=11)
    return {
        "getToken": {"uid": hospital.code, "appSecret": config.secret_for(hospital)},
        "imgDld": {"hiImgIndx": "H51080200011-20261120-0001", "serviceName": "queryImgCahe",
                   "imgFileSn": {"examUuid": "1.2.3", "snUuid": "1.2.3.4", "instUuid": "1.2.3.4.5"}},
        "saveExamRpotImgIndx": envelope(config, centre, "saveExamRpotImgIndx", rows,
                                        now=datetime(2026, 11, 20, 10, 30), sequence=1),
        # 003's doctor operations of the 200-user retrieval mix (the idCardNo is SM2 ciphertext, hex)
        "queryFormerlyExam": {"searchType": "1", "idCardNo": "04" + "ab" * 96, "patientName": "张三",
                              "queryDocName": "黄医生", "queryDocCode": "10101", "queryDeptName": "放射科",
                              "queryDeptCode": "0301", "mac": "00-1B-44-11-3A-B7",
                              "checkStartTime": "2026-11-01 00:00:00", "checkEndTime": "2026-11-20 10:30:00"},
        "queryExamPdfData": {"accessNumber": "CS23213233", "hospitalCode": hospital.code, "queryDocName": "黄医生",
                             "queryDocCode": "10101"},
        "getdigitalImageUrl": {"examId": "E20261120000001"},
    }


VALID = _valid_bodies()


def _both(body: Any, operation: str, mode: str, profile: str) -> tuple[Any, Any]:
    """``inspect_body`` of the same body with and without the quick check."""
    schema = SCHEMAS[operation]
    quick = inspect_body(copy.deepcopy(body), schema, operation=operation, mode=mode, profile=profile)  # type: ignore[arg-type]
    inspection.QUICK = False
    try:
        full = inspect_body(copy.deepcopy(body), schema, operation=operation, mode=mode, profile=profile)  # type: ignore[arg-type]
    finally:
        inspection.QUICK = True
    return quick, full


def _same(quick: Any, full: Any) -> None:
    assert json.dumps(quick.body, ensure_ascii=False) == json.dumps(full.body, ensure_ascii=False)
    assert [(f.rule, f.severity, f.path, f.zh, f.en, f.source) for f in quick.findings] == \
        [(f.rule, f.severity, f.path, f.zh, f.en, f.source) for f in full.findings]
    assert (quick.rows_nodes, quick.mode, quick.profile) == (full.rows_nodes, full.mode, full.profile)


@pytest.mark.parametrize("operation", LANE_BODIES)
@pytest.mark.parametrize("profile", PROFILES)
def test_the_lanes_valid_bodies_pass_the_quick_check(operation, profile):
    compiled = inspection._schema_for(SCHEMAS[operation], operation, profile)
    assert compiled.quick is not None  # the fast lane's schemas are all understood
    body = VALID[operation]
    valid = profile == "default" or operation != "saveExamRpotImgIndx"  # the demo row is the default profile's table
    assert compiled.quick(copy.deepcopy(body)) is valid
    for mode in MODES:
        quick, full = _both(body, operation, mode, profile)
        assert (full.findings == []) is valid
        _same(quick, full)


#: Values a mutation puts in place of another (the normaliser's triggers and schema errors).
ODD = st.sampled_from([None, "", " ", " x", "x ", "x" * 101, "x" * 40001, 0, -1, 1.5, True, [], {}, [None], {"a": 1},
                       "queryImgCaheFileSn", "queryImgCahe", "bogus", "2026-11-20", "2026-11-20 10:30:00",
                       "20261120103000", "1", "9", "111", "H51080200011"]).map(copy.deepcopy)  # fresh: bodies are mutated


def _nodes(body: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of every value in ``body`` (keys and indices)."""
    found = [at]
    if isinstance(body, dict):
        for k, v in body.items():
            found += _nodes(v, (*at, k))
    elif isinstance(body, list):
        for i, v in enumerate(body):
            found += _nodes(v, (*at, i))
    return found


def _get(body: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        body = body[part]
    return body


def _keys_near(schema: dict[str, Any]) -> list[str]:
    """Keys a sender might write: the defined ones, their aliases, spaced and misspelt ones."""
    keys: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("properties") or {}
            keys |= set(props) | set(node.get("x-imgcloud-aliases", {}))
            stack += [v for v in props.values() if isinstance(v, dict)]
            if isinstance(node.get("items"), dict):
                stack.append(node["items"])
    near = sorted(keys)
    return near + [f" {k}" for k in near[:20]] + [f"{k} " for k in near[:20]] + ["foo", "hiImgIdx", "data", "input"]


@st.composite
def _mutated(draw: st.DrawFn, operation: str) -> Any:
    body = copy.deepcopy(VALID.get(operation) or {})
    keys = _keys_near(SCHEMAS[operation])
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_nodes(body)))
        target = _get(body, path)
        action = draw(st.sampled_from(["set", "delete", "add", "respace"]))
        if action == "set" and path:
            _get(body, path[:-1])[path[-1]] = draw(ODD)
        elif action == "delete" and path:
            del _get(body, path[:-1])[path[-1]]
        elif action == "add" and isinstance(target, dict):
            target[draw(st.sampled_from(keys))] = draw(st.one_of(ODD, st.text(max_size=8)))
        elif action == "respace" and isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target, key=str)))
            target[f" {key}"] = target.pop(key)
        elif path == ():
            body = draw(ODD)
    return body


@pytest.mark.parametrize("operation", LANE_BODIES)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_quick_check_never_changes_a_lanes_report(operation, data):
    body = data.draw(_mutated(operation))
    mode = data.draw(st.sampled_from(MODES))
    profile = data.draw(st.sampled_from(PROFILES))
    quick, full = _both(body, operation, mode, profile)
    _same(quick, full)
    compiled = inspection._schema_for(SCHEMAS[operation], operation, profile)
    assert compiled.quick is not None
    if compiled.quick(copy.deepcopy(body)):
        assert full.findings == []  # it never passes what the full inspection reports on


@pytest.mark.parametrize("operation", sorted(SCHEMAS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_quick_check_never_changes_any_report(operation, data):
    """Every other operation's schema too (``inspect_body`` serves them all): bodies built from
    near-keys and odd values, judged the same with and without the quick check."""
    keys = _keys_near(SCHEMAS[operation])
    body = data.draw(st.dictionaries(st.sampled_from(keys), st.one_of(ODD, st.text(max_size=6)), max_size=6))
    profile = data.draw(st.sampled_from(PROFILES))
    for mode in MODES:
        _same(*_both(body, operation, mode, profile))


def test_drift_on_a_valid_body_is_reported_as_before():
    """Lenient mode answers drift with warnings on a body the schema then accepts: the quick check
    passes none of it (an alias, a spaced key or value, an unknown field, a null)."""
    base = VALID["imgDld"]
    spaced_key = {" serviceName" if k == "serviceName" else k: v for k, v in base.items()}
    drifts = [{**base, "hiImgIndx": f" {base['hiImgIndx']}"}, spaced_key, {**base, "extra": "1"}, {**base, "imgFileSn": None}]
    for body in drifts:
        compiled = inspection._schema_for(SCHEMAS["imgDld"], "imgDld", "default")
        assert compiled.quick is not None and not compiled.quick(copy.deepcopy(body))
        quick, full = _both(body, "imgDld", "lenient", "default")
        _same(quick, full)
    assert [f.severity for f in _both(drifts[0], "imgDld", "lenient", "default")[0].findings] == ["warning"]


def test_a_remembered_date_is_judged_as_jsonschema_judges_it():
    """``x-imgcloud-format`` verdicts are remembered for strings that passed (``_remembered``):
    a valid date passes again, an impossible or drifted one is refused every time."""
    from reference.validation.quick import compile_quick
    from reference.validation.schema import compile_schema

    schema = {"type": "object", "properties": {"d": {"type": "string", "x-imgcloud-format": "DATE"}}}
    validator = compile_schema(schema, "default")
    quick = compile_quick(schema, validator)
    assert quick is not None
    for value in ["2026-11-20", "2026-11-20", "2026-02-30", "2026-02-30", "20261120", "2026-11-20 10:30:00", "2026-11-20"]:
        assert quick({"d": value}) is (not list(validator.iter_errors({"d": value}))), value


def test_a_property_named_with_stray_spaces_has_no_quick_check():
    """The quick check takes a key found among the properties as spelled exactly, without stripping
    it: sound only while no property name has stray spaces, so a schema with one gets no quick check."""
    from reference.validation.quick import compile_quick
    from reference.validation.schema import compile_schema

    plain = {"type": "object", "properties": {"x": {"type": "string"}}}
    spaced = {"type": "object", "properties": {" x": {"type": "string"}}}
    check = compile_quick(plain, compile_schema(plain, "default"))
    assert check is not None and check({"x": "a"}) and not check({" x": "a"}) and not check({"x ": "a"})
    assert compile_quick(spaced, compile_schema(spaced, "default")) is None
