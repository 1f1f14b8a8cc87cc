"""Record and replay (issue 13): the traffic a tenant sent, exported as a scenario file
(``imgcloud record export``), replays green against a fresh sandbox — volatile values (msgid,
infTime, key) rebuilt, a reused msgid carried as a variable, a vendor's wrong fields kept wrong, the
sandbox's own calls (the index's pulls) left to the fresh sandbox."""
from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from reference.config import load_config
from sim.cli import app
from sim.scenario import Targets, run_scenario
from sim.scenario.server import running_sandbox

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TENANT = "S51080200001"


def test_exported_traffic_replays_green_on_a_fresh_sandbox(tmp_path: Path) -> None:
    recorded = load_config(None, home=str(tmp_path / "recorded"))
    with running_sandbox(recorded) as url:
        for name in ("nhsa-index-happy.yaml", "nhsa-index-bad-input.yaml"):
            assert run_scenario(SCENARIOS / name, Targets(recorded, url)).result == "pass"
        out = tmp_path / "replay.yaml"
        done = CliRunner().invoke(app, ["record", "export", "--target", url, "--institution", TENANT,
                                        "--name", "replay", "-o", str(out)])
        assert done.exit_code == 0, done.output
    scenario = yaml.safe_load(out.read_text(encoding="utf-8"))
    steps = scenario["steps"]
    assert len(steps) >= 10
    assert all("msgid" not in (s.get("override") or {}) or "${msgid_" in s["override"]["msgid"] for s in steps)
    assert any("${msgid_" in str((s.get("override") or {}).get("msgid", "")) for s in steps), "the reused msgid"
    assert any("key" in (s.get("override") or {}) for s in steps), "the wrong key stays wrong"
    assert "made by the sandbox itself" in scenario["description"]  # its own pulls from the imaging centre
    fresh = load_config(None, home=str(tmp_path / "fresh"))
    with running_sandbox(fresh) as url:
        result = run_scenario(out, Targets(fresh, url))
    assert result.result == "pass", [(s.id, s.messages) for s in result.steps if s.result != "pass"]


def test_a_resent_body_keeps_its_msgid_and_infTime_a_changed_one_only_its_msgid(tmp_path: Path) -> None:
    """A vendor resending the same body under the same msgid (a replay, answered as before) is
    replayed with the msgid *and* infTime captured from the first send — rebuilt a second later it
    would be another body under that msgid, a conflict (seen flaky in CI before); a body that did
    change under a reused msgid keeps its fresh infTime, so the conflict is replayed as recorded."""
    from reference.profiles import row_node
    from sim.record import export
    from sim.scenario.registry import load_families

    config = load_config(None, home=str(tmp_path))
    inst = config.institution(TENANT)
    assert inst is not None
    node = row_node(inst.profile, "saveExamRpotImgIndx", "input")
    rows = [{"hiImgIndx": "X"}]

    def sent(n: int, inf_time: str) -> dict[str, object]:
        body = {"infno": "saveExamRpotImgIndx", "msgid": f"{TENANT}202612010800000001", "infTime": inf_time,
                "infCode": TENANT, "key": "****", node: rows}
        return {"id": n, "uid": f"u{n}", "time": inf_time, "direction": "inbound", "transport": "http",
                "party": "province_index", "operation": "saveExamRpotImgIndx", "institution": TENANT,
                "status": 200, "findings": [], "request": {"json": body}, "response": {"json": {"code": 0}}}

    scenario = export([sent(1, "2026-12-01 08:00:00"), sent(2, "2026-12-01 08:00:00"), sent(3, "2026-12-01 08:00:05")],
                      config, load_families(), name="t", title="t")
    first, again, changed = scenario["steps"]
    assert first["capture"] == {"msgid_x1": "$request.msgid", "infTime_x1": "$request.infTime"}
    assert again["override"] == {"msgid": "${msgid_x1}", "infTime": "${infTime_x1}"}
    assert changed["override"] == {"msgid": "${msgid_x1}"}
