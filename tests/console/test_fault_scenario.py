"""Every fault class is reachable from a scenario step (issue 13): scenarios/sandbox-faults.yaml
sets each one with ``sandbox.fault`` and receives it on its transport (HTTP, SOAP, DICOM)."""
from __future__ import annotations

from pathlib import Path

from reference.config import load_config
from sim.localnet import with_free_dicom_ports
from sim.scenario import Targets, run_scenario
from sim.scenario.server import running_sandbox

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "sandbox-faults.yaml"


def test_every_fault_class_from_a_scenario_step(tmp_path: Path) -> None:
    config = with_free_dicom_ports(load_config(None, home=str(tmp_path)))
    with running_sandbox(config, dicom=True) as url:
        result = run_scenario(SCENARIO, Targets(config, url))
    failed = [(s.id, s.messages) for s in result.steps if s.result != "pass"]
    assert result.result == "pass" and not failed, failed  # no step skipped either
    kinds = {s.id.removesuffix("-received") for s in result.steps if s.id.endswith("-received")}
    assert {"http-status", "token-11001", "token-11003", "token-11004", "token-expired", "token-short", "empty",
            "malformed", "truncated", "reset", "slow", "delay", "delay-lognormal", "soap-fault", "soap-status",
            "soap-code", "dicom-reject", "dicom-abort", "dicom-status", "dicom-echo-status", "dicom-delay",
            "dicom-pending-fail", "dicom-partial", "dicom-move-a801", "dicom-slow"} <= kinds
