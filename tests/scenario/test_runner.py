"""The runner: roll-up, operators, paths, interpolation, step outcomes; then the shipped
national-index scenarios against one real sandbox, and the writers' output."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from reference.config import load_config
from sim.demo import demo_index_rows
from sim.scenario import Registry, StepSkipped, Targets, parse_scenario, roll_up, run_scenario
from sim.scenario.expect import apply_ops
from sim.scenario.paths import PathError, interpolate, remove_at, select, set_at
from sim.scenario.registry import load_families
from sim.scenario.report import summary_line, to_json, write_console, write_junit
from sim.scenario.server import running_sandbox

ROOT = Path(__file__).resolve().parents[2]


# -- roll-up -------------------------------------------------------------------------------

@pytest.mark.parametrize(("results", "expected"), [
    (["pass", "skip", "fail", "error"], "error"),
    (["pass", "fail", "skip"], "fail"),
    (["skip", "skip"], "skip"),
    ([], "skip"),
    (["pass", "skip"], "pass"),
    (["pass"], "pass"),
])
def test_roll_up(results, expected):
    assert roll_up(results) == expected


# -- operators, paths, interpolation -----------------------------------------------------------

@pytest.mark.parametrize(("ops", "value", "holds"), [
    ({"equals": "1"}, "1", True),
    ({"equals": "1"}, 1, False),
    ({"equals": 1}, True, False),
    ({"equals": [1, {"a": "x"}]}, [1, {"a": "x"}], True),
    ({"not_equals": 0}, -1, True),
    ({"in": ["pulled", "failed"]}, "pulled", True),
    ({"in": ["pulled", "failed"]}, "pending", False),
    ({"contains": "[NIDX-AUTH-KEY]"}, "x [NIDX-AUTH-KEY] y", True),
    ({"contains": 2}, [1, 2], True),
    ({"contains": "k"}, {"k": 1}, True),
    ({"contains": "z"}, 5, False),
    ({"matches": r"^S\d{11}$"}, "S51080200001", True),
    ({"matches": r"^S\d{11}$"}, 51080200001, False),
    ({"length": 2}, [1, 2], True),
    ({"length": 2}, "abc", False),
    ({"each": {"equals": "1"}}, ["1", "1"], True),
    ({"each": {"equals": "1"}}, ["1", "-1"], False),
    ({"each": {"equals": "1"}}, [], False),
    ({"any": {"matches": "^-"}}, ["1", "-1"], True),
    ({"any": {"matches": "^-"}}, ["1", "0"], False),
    ({"equals": 0, "not_equals": 1}, 0, True),
])
def test_operators(ops, value, holds):
    assert (apply_ops(ops, True, value) == []) is holds


def test_exists_and_missing_values():
    assert apply_ops({"exists": False}, False, None) == []
    assert apply_ops({"exists": True}, False, None) == ["expected exists true, got nothing"]
    assert apply_ops({"equals": 1}, False, None) == ["not found (expected equals 1)"]


def test_failure_names_expected_and_actual():
    [reason] = apply_ops({"each": {"equals": "1"}}, True, ["1", "-1", "-1"])
    assert reason == 'expected each {equals "1"}; item 1: expected equals "1", got "-1" (2 of 3 items fail)'


def test_paths():
    doc = {"rows": [{"x": 1}, {"x": 2}, {}], "odd key": {"a": [10, 20]}, "h": {"x-imgcloud-exchange": "u"}}
    roots = {"$": doc, "$status": 200}
    assert select("$.rows[1].x", roots) == (True, 2)
    assert select("$.rows[-1]", roots) == (True, {})
    assert select("$.rows[*].x", roots) == (True, [1, 2])
    assert select("$.rows[5].x", roots) == (False, None)
    assert select("$['odd key'].a[0]", roots) == (True, 10)
    assert select("$.h.x-imgcloud-exchange", roots) == (True, "u")
    assert select("length($.rows)", roots) == (True, 3)
    assert select("$status", roots) == (True, 200)
    assert select("$.*", {"$": {"a": 1, "b": 2}}) == (True, [1, 2])
    with pytest.raises(PathError, match="unknown root"):
        select("$request.a", roots)
    with pytest.raises(PathError, match="must start with"):
        select("rows", roots)


def test_interpolation_keeps_the_type_of_a_whole_reference():
    variables = {"n": 3, "rows": [{"certno": "X"}], "centre": "S51080200001"}
    out = interpolate({"count": "${n}", "text": "n=${n} at ${centre}", "deep": ["${rows[0].certno}"],
                       "escaped": "$${n}", "rows": "${rows}"}, variables)
    assert out == {"count": 3, "text": "n=3 at S51080200001", "deep": ["X"], "escaped": "${n}",
                   "rows": [{"certno": "X"}]}
    with pytest.raises(PathError, match="'missing' is not defined"):
        interpolate("${missing}", variables)


def test_dotted_edits():
    body: dict[str, Any] = {"key": "K", "input": [{"gend": "1", "psnName": "张三"}]}
    set_at(body, "input.0.gend", "M")
    set_at(body, "input[0].extra", 1)
    remove_at(body, "input.0.psnName")
    assert body == {"key": "K", "input": [{"gend": "M", "extra": 1}]}
    with pytest.raises(PathError, match="no item 3"):
        set_at(body, "input.3.gend", "M")
    with pytest.raises(PathError, match="no 'psnName' to remove"):
        remove_at(body, "input.0.psnName")


# -- step outcomes, with actions of a test registry ---------------------------------------------

@pytest.fixture
def registry() -> Registry:
    reg = load_families().copy()
    calls = {"n": 0}

    @reg.action("test.echo")
    def echo(ctx, params):
        ctx.log(f"echo {params}")
        return params

    @reg.action("test.boom")
    def boom(ctx, params):
        raise RuntimeError("the party fell over")

    @reg.action("test.unavailable")
    def unavailable(ctx, params):
        raise StepSkipped("no such party here")

    @reg.action("test.counter")
    def counter(ctx, params):
        calls["n"] += 1
        return {"count": calls["n"]}

    return reg


@pytest.fixture
def targets(config) -> Targets:
    return Targets(config, "http://127.0.0.1:9")


def run(data: dict[str, Any], targets: Targets, registry: Registry, **kw: Any):
    result = run_scenario(parse_scenario({"name": "t", **data}, registry=registry), targets, registry=registry, **kw)
    return result, {s.id: s for s in result.steps}


def test_capture_and_interpolation_across_steps(targets, registry):
    result, steps = run({"vars": {"n": 3, "label": "n is ${n}"}, "steps": [
        {"id": "a", "action": "test.echo", "with": {"count": "${n}", "items": ["x", "y"]},
         "capture": {"count": "$.count", "items": "$.items"}},
        {"id": "b", "action": "test.echo", "with": {"twice": "${items}", "label": "${label}", "first": "${items[0]}"},
         "expect": [{"path": "$.twice", "equals": ["x", "y"]}, {"path": "$.label", "equals": "n is 3"},
                    {"path": "$.first", "equals": "x"}, {"path": "length($.twice)", "equals": 2}]},
    ]}, targets, registry)
    assert result.result == "pass", [s.messages for s in result.steps]
    assert steps["a"].captured == {"count": 3, "items": ["x", "y"]}
    assert steps["a"].messages == ["echo {'count': 3, 'items': ['x', 'y']}"]


def test_a_failing_expectation_fails_naming_expected_and_actual(targets, registry):
    result, steps = run({"steps": [
        {"id": "a", "action": "test.echo", "with": {"code": 0},
         "expect": [{"path": "$.code", "equals": -1}, {"path": "$.code", "in": [0, 1]},
                    {"path": "$.missing", "exists": True, "title": "the missing field"}]},
    ]}, targets, registry)
    assert result.result == "fail" and steps["a"].result == "fail"
    assert steps["a"].messages[:2] == ["$.code: expected equals -1, got 0",
                                       "the missing field: $.missing: expected exists true, got nothing"]


def test_needs_skips_after_a_failure_and_other_steps_still_run(targets, registry):
    result, steps = run({"steps": [
        {"id": "a", "action": "test.echo", "expect": [{"path": "$.x", "exists": True}]},
        {"id": "b", "needs": ["a"], "action": "test.echo"},
        {"id": "c", "needs": ["b"], "action": "test.echo"},
        {"id": "d", "action": "test.echo"},
        {"id": "e", "skip": "not in this profile", "action": "test.echo"},
    ]}, targets, registry)
    assert [s.result for s in result.steps] == ["fail", "skip", "skip", "pass", "skip"]
    assert steps["b"].messages == ["needs a (fail), which did not pass"]
    assert steps["e"].messages == ["not in this profile"]
    assert result.result == "fail" and result.counts == {"pass": 1, "fail": 1, "skip": 3, "error": 0}


def test_an_exception_in_an_action_is_an_error(targets, registry):
    result, steps = run({"steps": [{"id": "a", "action": "test.boom"}, {"id": "b", "action": "test.echo"}]},
                        targets, registry)
    assert steps["a"].result == "error" and result.result == "error"
    assert steps["a"].messages[0].startswith("RuntimeError: the party fell over (at test_runner.py:")
    assert steps["b"].result == "pass"


def test_an_undefined_variable_is_an_error(targets, registry):
    _, steps = run({"steps": [{"id": "a", "action": "test.echo", "with": {"x": "${nope}"}}]}, targets, registry)
    assert steps["a"].result == "error" and "'nope' is not defined" in steps["a"].messages[0]


def test_an_action_may_skip_its_step(targets, registry):
    result, steps = run({"steps": [{"id": "a", "action": "test.unavailable"}]}, targets, registry)
    assert result.result == "skip" and steps["a"].messages == ["skipped: no such party here"]


def test_state_checks_are_noted_when_storage_is_not_readable(targets, registry):
    _, steps = run({"steps": [{"id": "a", "action": "test.echo", "expect": [
        {"state": "province_index.stored", "with": {"hiImgIndx": "X"}, "path": "$[0].stored", "equals": True}]}]},
        targets, registry)
    assert steps["a"].result == "pass"
    assert steps["a"].messages[-1].startswith("not checked: province_index.stored: stored state is readable only")


def test_wait_until_and_timeout(targets, registry):
    result, steps = run({"steps": [
        {"id": "ready", "wait": {"action": "test.counter", "until": {"path": "$.count", "equals": 3},
                                 "interval": 0.01}, "capture": {"count": "$.count"}},
        {"id": "never", "wait": {"action": "test.counter", "until": [{"path": "$.count", "equals": 0}],
                                 "timeout": 0.05, "interval": 0.01}},
    ]}, targets, registry)
    assert steps["ready"].result == "pass" and steps["ready"].captured == {"count": 3}
    assert steps["never"].result == "fail"
    assert steps["never"].messages[0].startswith("timed out after 0.05 s")
    assert "$.count: expected equals 0, got" in steps["never"].messages[0]


def test_run_vars_override_the_files(targets, registry):
    result, steps = run({"vars": {"n": 1}, "steps": [{"id": "a", "action": "test.echo", "with": {"n": "${n}"},
                                                     "expect": [{"path": "$.n", "equals": 5}]}]},
                        targets, registry, vars={"n": 5})
    assert result.result == "pass"


def test_a_call_builds_edits_and_sends_the_request(config, registry, clock):
    seen: list[httpx.Request] = []

    def peer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"code": 0}, headers={"x-imgcloud-exchange": "abc"})

    targets = Targets(config, "http://sandbox.test", clock=clock, transport=httpx.MockTransport(peer))
    result, steps = run({"steps": [
        {"id": "save", "call": "province_index.saveExamRpotImgIndx", "as": "S51080200001",
         "rows": {"generate": "index_rows", "n": 2, "seed": 5},
         "override": {"key": "WRONG", "input.1.gend": "M"}, "mutate": {"input.0.certno": "wrong_check_char"},
         "remove": ["input.0.psnName"], "capture": {"sent": "$request", "uid": "$headers.x-imgcloud-exchange"},
         "expect": [{"status": 200}, {"path": "$.code", "equals": 0}]},
        {"id": "raw", "call": "province_index.deleteExamRpotImgIndx", "raw": "{oops", "content_type": "text/plain"},
    ]}, targets, registry)
    assert result.result == "pass", [s.messages for s in result.steps]
    assert str(seen[0].url) == "http://sandbox.test/mie/api/mie/saveExamRpotImgIndx"
    sent = json.loads(seen[0].content)
    assert sent == steps["save"].captured["sent"] and steps["save"].exchange == "abc"
    assert sent["key"] == "WRONG" and sent["infCode"] == "S51080200001" and sent["msgid"].startswith("S51080200001")
    assert sent["input"][1]["gend"] == "M" and "psnName" not in sent["input"][0]
    generated = demo_index_rows(config, 2, on=clock.now().date(), seed=5)[1]
    assert sent["input"][0]["certno"][:-1] == generated[0]["certno"][:-1]
    assert sent["input"][0]["certno"] != generated[0]["certno"]
    assert sent["input"][1]["hiImgIndx"] == generated[1]["hiImgIndx"]
    assert seen[1].content == b"{oops" and seen[1].headers["content-type"] == "text/plain"
    assert str(seen[1].url).endswith("/mie/api/mie/deleteExamRpotImgIndx")


def test_finding_checks_need_the_exchange_header(config, registry):
    targets = Targets(config, "http://sandbox.test",
                      transport=httpx.MockTransport(lambda request: httpx.Response(200, json={"code": 0})))
    _, steps = run({"steps": [{"id": "a", "call": "province_index.saveExamRpotImgIndx", "rows": [],
                               "expect": [{"finding": "NIDX-EMPTY"}]}]}, targets, registry)
    assert steps["a"].result == "error" and "no X-Imgcloud-Exchange header" in steps["a"].messages[0]


# -- the shipped national-index scenarios against one real sandbox ------------------------------

@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory):
    config = load_config(None, home=str(tmp_path_factory.mktemp("scenario-home")))
    with running_sandbox(config) as url:
        yield Targets(config, url, storage=True)


@pytest.fixture(scope="module")
def nhsa_results(sandbox):
    return [run_scenario(ROOT / "scenarios" / name, sandbox)
            for name in ("nhsa-index-bad-input.yaml", "nhsa-index-happy.yaml")]


def test_nhsa_scenarios_pass_step_by_step(nhsa_results):
    for result in nhsa_results:
        failed = {s.id: (s.result, s.messages) for s in result.steps if s.result != "pass"}
        assert failed == {}, result.name
        assert result.result == "pass"


def test_call_steps_name_their_exchange(nhsa_results, sandbox):
    happy = nhsa_results[1]
    save = next(s for s in happy.steps if s.id == "save")
    entry = httpx.get(f"{sandbox.base_url}/_sandbox/exchanges", params={"uid": save.exchange}).json()[0]
    assert entry["operation"] == "saveExamRpotImgIndx" and entry["verdict"] == "pass"
    assert len(save.captured["indexes"]) == 3


def test_a_wrong_expectation_against_the_sandbox_fails(sandbox):
    result = run_scenario(parse_scenario({"name": "wrong", "steps": [
        {"id": "wrong-key", "call": "province_index.saveExamRpotImgIndx", "rows": {"generate": "index_rows"},
         "override": {"key": "WRONG"}, "expect": [{"path": "$.code", "equals": 0}, {"finding": "NIDX-EMPTY"},
                                                  {"no_findings": "error"}]}]}), sandbox)
    [step] = result.steps
    assert step.result == "fail"
    assert step.messages[0] == "$.code: expected equals 0, got -1"
    assert step.messages[1].startswith("expected finding NIDX-EMPTY; the exchange has NIDX-AUTH-KEY@key (error)")
    assert step.messages[2].startswith("expected no error findings; the exchange has NIDX-AUTH-KEY@key (error)")


# -- writers -------------------------------------------------------------------------------------

def test_junit_counts(nhsa_results, targets, registry, tmp_path):
    mixed, _ = run({"steps": [{"id": "ok", "action": "test.echo"},
                              {"id": "bad", "action": "test.echo", "expect": [{"path": "$.x", "exists": True}]},
                              {"id": "boom", "action": "test.boom"},
                              {"id": "later", "needs": ["bad"], "action": "test.echo"}]}, targets, registry)
    out = tmp_path / "junit.xml"
    write_junit([*nhsa_results, mixed], out)
    root = ET.parse(out).getroot()
    steps = sum(len(r.steps) for r in nhsa_results) + 4
    assert root.tag == "testsuites" and root.get("tests") == str(steps)
    assert (root.get("failures"), root.get("errors"), root.get("skipped")) == ("1", "1", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["nhsa-index-bad-input", "nhsa-index-happy", "t"]
    assert suites[1].get("tests") == str(len(nhsa_results[1].steps)) and suites[1].get("failures") == "0"
    cases = {c.get("name"): c for c in suites[2].findall("testcase")}
    assert cases["bad"].find("failure").get("message") == "$.x: expected exists true, got nothing"
    assert cases["boom"].find("error").get("message").startswith("RuntimeError: the party fell over")
    assert cases["later"].find("skipped") is not None and cases["ok"].find("failure") is None
    assert cases["ok"].get("classname") == "t"


def test_json_and_console(nhsa_results):
    data = json.loads(json.dumps(to_json(nhsa_results), ensure_ascii=False, default=str))
    assert data["result"] == "pass" and data["counts"]["pass"] == sum(len(r.steps) for r in nhsa_results)
    assert data["scenarios"][1]["steps"][0]["id"] == "save"
    console = Console(record=True, width=200, color_system=None)
    write_console(nhsa_results, console)
    text = console.export_text()
    assert "PASS  wrong-key" in text and "→ PASS  nhsa-index-happy" in text
    assert text.rstrip().splitlines()[-1].startswith(summary_line(nhsa_results))
    assert summary_line(nhsa_results) == f"{data['counts']['pass']} passed, 0 failed, 0 skipped, 0 errors"
