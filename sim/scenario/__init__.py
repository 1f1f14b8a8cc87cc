"""The scenario runner: scenario files (``scenarios/*.yaml``, data only) run against a
sandbox by one library that the CLI, pytest and load users all call.

    from sim.scenario import Targets, run_scenario
    from sim.scenario.server import running_sandbox

    with running_sandbox(config) as url:
        result = run_scenario("scenarios/nhsa-index-happy.yaml", Targets(config, url, storage=True))

Family modules register what scenario files may name (``registry.py``).
"""
from __future__ import annotations

from .model import Scenario, ScenarioError, Step, load_scenario, parse_scenario
from .registry import REGISTRY, Registry, StepContext, StepSkipped, action, envelope, generator, mutator
from .runner import RESULTS, ScenarioResult, StepResult, Targets, roll_up, run_scenario

__all__ = [
    "REGISTRY",
    "RESULTS",
    "Registry",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "Step",
    "StepContext",
    "StepResult",
    "StepSkipped",
    "Targets",
    "action",
    "envelope",
    "generator",
    "load_scenario",
    "mutator",
    "parse_scenario",
    "roll_up",
    "run_scenario",
]
