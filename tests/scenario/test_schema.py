"""Scenario files against the schema: every shipped file is valid; problems name file, step and key."""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario, parse_scenario
from sim.scenario.model import read_yaml, schema
from sim.scenario.registry import load_families

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_there_are_scenarios():
    assert {p.stem for p in SCENARIOS} >= {"nhsa-index-bad-input", "nhsa-index-happy"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_file_is_valid(path):
    scenario = load_scenario(path, load_families())
    assert scenario.name == path.stem and scenario.title and scenario.steps


def test_schema_is_valid_draft_2020_12():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema())


def problems(tmp_path: Path, text: str, *, registry: bool = False) -> list[str]:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, load_families() if registry else None)
    assert all(str(path) in p for p in info.value.problems), info.value.problems
    return info.value.problems


STEP = "name: broken\nsteps:\n  - {id: ok, action: sandbox.health}\n"


def test_unknown_key_names_file_step_and_key(tmp_path):
    [problem] = problems(tmp_path, STEP + "  - {id: typo, action: sandbox.health, expct: []}\n")
    assert "step 'typo' (steps[1])" in problem and "expct: unknown key" in problem


def test_unknown_expectation_key_is_named(tmp_path):
    [problem] = problems(tmp_path, STEP + "  - {id: s, action: sandbox.health, expect: [{path: $.a, equal: 1}]}\n")
    assert "step 's' (steps[1]): expect[0].equal: unknown key" in problem


def test_wrong_type_names_the_key(tmp_path):
    [problem] = problems(tmp_path, STEP + "  - {id: s, action: sandbox.health, expect: [{path: $.a, length: many}]}\n")
    assert "step 's' (steps[1]): expect[0].length" in problem


def test_a_step_needs_exactly_one_kind(tmp_path):
    [problem] = problems(tmp_path, STEP + "  - {id: both, action: sandbox.health, call: province_index.x, raw: ''}\n")
    assert "step 'both' (steps[1])" in problem and "exactly one of action, call, soap, wait" in problem
    [problem] = problems(tmp_path, STEP + "  - {id: none, title: nothing to do}\n")
    assert "exactly one of action, call, soap, wait" in problem


def test_call_needs_one_body_and_call_keys_need_a_call(tmp_path):
    text = STEP + "  - {id: c, call: province_index.saveExamRpotImgIndx, rows: [], raw: x}\n"
    assert "exactly one of rows, body, raw" in problems(tmp_path, text)[0]
    text = STEP + "  - {id: a, action: sandbox.health, rows: []}\n"
    assert "step 'a' (steps[1])" in problems(tmp_path, text)[0] and "'call' is a dependency of 'rows'" in problems(tmp_path, text)[0]


def test_missing_top_level_key(tmp_path):
    [problem] = problems(tmp_path, "name: broken\n")
    assert "(top level)" in problem and "'steps' is a required property" in problem


def test_ids_are_unique_and_needs_name_earlier_steps(tmp_path):
    found = problems(tmp_path, STEP + "  - {id: ok, action: sandbox.health, needs: [later]}\n"
                     "  - {id: later, action: sandbox.health}\n")
    assert any("steps[1]): id: id 'ok' is used by an earlier step" in p for p in found)
    assert any("needs[0]: 'later' is not the id of an earlier step" in p for p in found)


def test_expectation_rules(tmp_path):
    found = problems(tmp_path, STEP + "  - id: e\n    action: sandbox.health\n    expect:\n"
                     "      - {path: $.a}\n      - {status: 200, finding: X}\n      - {finding: X, equals: 1}\n"
                     "      - {path: '$.a[', exists: true}\n      - {path: $.a, matches: '('}\n")
    text = "\n".join(found)
    assert "expect[0]: path needs an operator" in text
    assert "expect[1]: one subject per expectation" in text
    assert "expect[2].equals: operators do not apply to finding" in text
    assert "expect[3].path: path '$.a[': cannot read" in text
    assert "expect[4].matches: not a regular expression" in text


def test_unregistered_names_are_reported(tmp_path):
    found = problems(tmp_path, STEP + "  - {id: x, action: hospital.nothing}\n"
                     "  - {id: y, call: province_index.saveExamRpotImgIndx, rows: {generate: nope}, "
                     "mutate: {key: scramble}}\n", registry=True)
    text = "\n".join(found)
    assert "step 'x' (steps[1]): action: no action 'hospital.nothing' is registered" in text
    assert "rows.generate: no generator 'nope'" in text and "mutate.key: no mutator 'scramble'" in text


def test_yaml_error_names_file_and_line(tmp_path):
    [problem] = problems(tmp_path, "name: broken\nsteps:\n  - {id: x, action: [\n")
    assert "line" in problem and "not valid YAML" in problem


def test_yaml_keeps_on_as_a_key_and_dates_as_strings():
    data = read_yaml("with: {on: 2026-11-20, n: yes, flag: true}", "x")
    assert data == {"with": {"on": "2026-11-20", "n": "yes", "flag": True}}


def test_parse_from_data():
    scenario = parse_scenario({"name": "inline", "steps": [{"id": "a", "action": "sandbox.health"}]})
    assert scenario.steps[0].kind == "action" and scenario.source == "<scenario>"
