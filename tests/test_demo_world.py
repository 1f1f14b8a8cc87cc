"""The demo world's plan and its state on start (issue 14): deterministic in the seed and the day,
every modality, flow C's studies apart from flow A's, flows B and D when their parties are simulated; a fresh data home is planned (or ``empty``
with --empty, ``skipped`` when a party it needs is external); an interrupted seeding resumes."""
from __future__ import annotations

from datetime import datetime

from reference.sandbox import Sandbox
from reference.storage.state import DEMO_WORLD, read_state, write_state
from sim import demo_world

NOW = datetime(2026, 11, 20, 10, 30)


def test_the_plan_is_deterministic_and_covers_every_modality(config):
    plan = demo_world.make_plan(config, NOW)
    assert plan == demo_world.make_plan(config, NOW)
    assert demo_world.DemoPlan.of(plan.as_json()) == plan
    flow_a = [e for e in plan.exams if e.flow == "A"]
    flow_c = [e for e in plan.exams if e.flow == "C"]
    assert [e.modality for e in flow_a] == list(demo_world.MODALITIES)
    assert len(flow_c) == 2 and {e.uploader for e in flow_c} == {"H51080200012", "P51080000001"}
    assert len({e.accession for e in plan.exams}) == len(plan.exams), "every exam its own study"
    assert all(e.index >= demo_world.BASE for e in plan.exams)
    flow_b = [e for e in plan.exams if e.flow == "B"]
    flow_d = [e for e in plan.exams if e.flow == "D"]
    assert len(flow_b) == demo_world.FLOW_B_EXAMS and {e.uploader for e in flow_b} == {"gateway"}
    assert len(flow_d) == 1 and flow_d[0].apply_no
    assert plan.steps[-3:] == ["C:review", "A:pulled", "B:remind"]


def test_flows_b_and_d_are_planned_only_when_their_parties_are_simulated(make_config):
    config = make_config(parties={"gateway": {"mode": "external", "base_url": "http://x"},
                                  "regional_platform": {"mode": "external", "base_url": "http://y"}})
    plan = demo_world.make_plan(config, NOW)
    assert {e.flow for e in plan.exams} == {"A", "C"} and "B:remind" not in plan.steps


def test_the_state_on_start(make_config, clock):
    fresh = Sandbox.open(make_config(), clock=clock)
    try:
        state = demo_world.start_state(fresh, fresh=True, empty=False)
        assert state["status"] == "planned" and state["done"] == [] and len(state["steps"]) == 15
        assert demo_world.first_pages(fresh, demo_world.DemoPlan.of(state["plan"]))["report"].endswith(
            f"/report/{state['plan']['exams'][0]['accession']}")
        write_state(fresh.db, DEMO_WORLD, {**state, "status": "interrupted", "done": state["steps"][:3]}, fresh.now())
        resumed = demo_world.start_state(fresh, fresh=False, empty=False)
        assert resumed["status"] == "interrupted" and resumed["done"] == state["steps"][:3]
    finally:
        fresh.close()
    bare = Sandbox.open(make_config(), clock=clock)
    try:
        assert demo_world.start_state(bare, fresh=True, empty=True)["status"] == "empty"
        assert demo_world.start_state(bare, fresh=False, empty=False)["status"] == "empty"  # never seeded later
        assert read_state(bare.db, DEMO_WORLD) == {"status": "empty"}
    finally:
        bare.close()
    external = Sandbox.open(make_config(parties={"province_cloud": {"mode": "external", "base_url": "http://x"}}),
                            clock=clock)
    try:
        state = demo_world.start_state(external, fresh=True, empty=False)
        assert state == {"status": "skipped", "reason": "province_cloud not simulated"}
    finally:
        external.close()
