"""``imgcloud scenario run | list | check`` through typer's CliRunner."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from reference.config import load_config
from sim.cli import app
from sim.scenario.server import running_sandbox

ROOT = Path(__file__).resolve().parents[2]
HAPPY = ROOT / "scenarios" / "nhsa-index-happy.yaml"
runner = CliRunner()


def invoke(*args: str, home: Path):
    return runner.invoke(app, list(args), env={"IMGCLOUD_HOME": str(home), "COLUMNS": "200"})


def test_run_happy_scenario_writes_junit_and_json(tmp_path):
    junit, out = tmp_path / "junit.xml", tmp_path / "out.json"
    result = invoke("scenario", "run", str(HAPPY), "--junit", str(junit), "--json", str(out), home=tmp_path / "h")
    assert result.exit_code == 0, result.output
    assert "PASS  save" in result.stdout and "passed, 0 failed, 0 skipped, 0 errors" in result.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("name") == "nhsa-index-happy" and suite.get("failures") == "0" and suite.get("errors") == "0"
    assert json.loads(out.read_text(encoding="utf-8"))["result"] == "pass"


def test_a_wrong_expectation_exits_non_zero(tmp_path):
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "name: wrong\nsteps:\n"
        "  - id: save\n    call: province_index.saveExamRpotImgIndx\n    rows: {generate: index_rows}\n"
        "    expect:\n      - {path: $.code, equals: 1}\n", encoding="utf-8")
    result = invoke("scenario", "run", str(wrong), home=tmp_path / "h")
    assert result.exit_code == 1, result.output
    assert "FAIL  save" in result.stdout and "$.code: expected equals 1, got 0" in result.stdout
    assert "0 passed, 1 failed, 0 skipped, 0 errors" in result.stdout


def test_run_refuses_an_invalid_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsteps:\n  - {id: a, action: nobody.nothing}\n", encoding="utf-8")
    result = invoke("scenario", "run", str(bad), home=tmp_path / "h")
    assert result.exit_code == 2 and "no action 'nobody.nothing' is registered" in result.output


def test_check_and_list(tmp_path):
    ok = invoke("scenario", "check", str(HAPPY), home=tmp_path)
    assert ok.exit_code == 0 and "ok " in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsteps:\n  - {id: a, action: sandbox.health, expct: []}\n", encoding="utf-8")
    result = invoke("scenario", "check", str(bad), home=tmp_path)
    assert result.exit_code == 1 and "step 'a' (steps[0]): expct: unknown key" in result.stdout
    listed = invoke("scenario", "list", "--dir", str(ROOT / "scenarios"), home=tmp_path)
    assert listed.exit_code == 0
    assert "nhsa-index-happy" in listed.stdout and "nhsa-index-bad-input" in listed.stdout


def test_run_against_a_target(tmp_path):
    """--target: the runner starts nothing; stored-state checks are skipped unless --shared-storage."""
    home = tmp_path / "served"
    with running_sandbox(load_config(None, home=str(home))) as url:
        remote = invoke("scenario", "run", str(HAPPY), "--target", url, home=tmp_path / "elsewhere")
        assert remote.exit_code == 0, remote.output
        assert "SKIP  stored" in remote.stdout and "not checked: province_index.stored" in remote.stdout
        shared = invoke("scenario", "run", str(HAPPY), "--target", url, "--shared-storage", "--var", "seed=7102",
                        home=home)
        assert shared.exit_code == 0, shared.output
        assert "PASS  stored" in shared.stdout and "not checked" not in shared.stdout
