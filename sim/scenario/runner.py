"""``run_scenario(file, targets)``: the one runner the CLI, pytest and load users call.

Results use a fixed vocabulary (``pass``, ``fail``, ``skip``, ``error``) and one roll-up
rule (``roll_up``), as Inferno's ``result_summarizer.rb`` does.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from reference.clock import Clock
from reference.config import Config
from reference.parties import base_url
from reference.transports.http.client import USER_AGENT

from .model import Scenario, Step, load_scenario
from .paths import interpolate
from .registry import Registry, external_reason, load_families
from .steps import Run

RESULTS = ("pass", "fail", "skip", "error")


def roll_up(results: Iterable[str]) -> str:
    """Any error -> error, else any fail -> fail, else all skip (or none) -> skip, else pass."""
    seen = set(results)
    for result in ("error", "fail"):
        if result in seen:
            return result
    return "pass" if "pass" in seen else "skip"


@dataclass
class Targets:
    """What a scenario runs against: the config whose credentials it uses and the sandbox's URL.

    ``config``'s ``listen.public_url`` is set to ``base_url``, so simulated parties are reached
    there; an ``external`` party is reached at its own configured address.
    """

    config: Config
    base_url: str
    clock: Clock = field(default_factory=Clock)
    #: The runner may open the config's storage to read stored state (it started the sandbox).
    storage: bool = False
    timeout: float = 30.0
    #: How long to wait for the exchange log entry of a response.
    exchange_timeout: float = 5.0
    transport: httpx.BaseTransport | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if self.config.public_url != self.base_url:
            listen = self.config.listen.model_copy(update={"public_url": self.base_url})
            self.config = self.config.model_copy(update={"listen": listen})


@dataclass
class StepResult:
    id: str
    title: str
    kind: str
    result: str
    duration: float
    messages: list[str] = field(default_factory=list)
    exchange: str | None = None
    captured: dict[str, Any] = field(default_factory=dict)
    refs: list[str] = field(default_factory=list)
    #: what the step needs to be judged: ``wire``, ``record`` or ``internals:<party>,…`` (``reads``)
    reads: str = "wire"

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class ScenarioResult:
    name: str
    title: str
    source: str
    result: str
    steps: list[StepResult]
    duration: float
    started: str
    refs: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {r: sum(s.result == r for s in self.steps) for r in RESULTS}

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "steps"}
        return {**out, "counts": self.counts, "steps": [s.to_dict() for s in self.steps]}


def _builtins(targets: Targets) -> dict[str, Any]:
    now = targets.clock.now()
    return {"_base_url": targets.base_url, "_today": now.strftime("%Y-%m-%d"),
            "_now": now.strftime("%Y-%m-%d %H:%M:%S")}


def _initial_vars(scenario: Scenario, targets: Targets, overrides: dict[str, Any] | None) -> dict[str, Any]:
    variables = _builtins(targets)
    for name, value in {**scenario.vars, **(overrides or {})}.items():
        variables[name] = interpolate(value, variables)
    return variables


def _unmet(step: Step, done: dict[str, StepResult]) -> str | None:
    unmet = [f"{n} ({done[n].result})" for n in step.needs if done[n].result != "pass"]
    return f"needs {', '.join(unmet)}, which did not pass" if unmet else None


def reads_of(step: Step) -> tuple[str, list[str]]:
    """``(kind, parties)`` of a step's ``reads``: ``wire`` (the default), ``record``, or
    ``internals`` with the parties whose internals it reads."""
    reads = step.spec.get("reads", "wire")
    if isinstance(reads, dict):
        parties = reads["internals"]
        return "internals", [parties] if isinstance(parties, str) else list(parties)
    return str(reads), []


def _unreadable(step: Step, config: Config) -> str | None:
    """Why the step cannot run here: it reads the internals of a party that is external."""
    kind, parties = reads_of(step)
    external = [p for p in parties if config.parties[p].mode == "external"]
    return external_reason(external[0], base_url(config, external[0])) if external else None


def run_scenario(
    scenario: str | Path | Scenario,
    targets: Targets,
    *,
    vars: dict[str, Any] | None = None,  # noqa: A002 - the format's own word
    registry: Registry | None = None,
    on_step: Callable[[StepResult], None] | None = None,
) -> ScenarioResult:
    """Run every step in order; ``vars`` override the file's; ``on_step`` sees each result as it ends."""
    registry = registry or load_families()
    model = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, registry)
    started, t0 = datetime.now().astimezone().isoformat(timespec="seconds"), time.perf_counter()
    done: dict[str, StepResult] = {}
    admin = {"X-Imgcloud-Admin": targets.config.admin_token(),  # for a sandbox whose control API is protected
             "user-agent": f"{USER_AGENT} (scenario)"}  # the log tells the runner's calls from a vendor's
    with httpx.Client(timeout=targets.timeout, transport=targets.transport, headers=admin) as http:
        ctx_args = {"config": targets.config, "base_url": targets.base_url, "http": http, "clock": targets.clock,
                    "exchange_timeout": targets.exchange_timeout}
        run = Run(ctx_args, registry, _initial_vars(model, targets, vars), targets.storage)
        try:
            for step in model.steps:
                done[step.id] = result = _run_step(run, step, done)
                if on_step is not None:
                    on_step(result)
        finally:
            run.close()
    steps = list(done.values())
    return ScenarioResult(name=model.name, title=model.title, source=model.source,
                          result=roll_up(s.result for s in steps), steps=steps,
                          duration=round(time.perf_counter() - t0, 3), started=started, refs=model.refs)


def _run_step(run: Run, step: Step, done: dict[str, StepResult]) -> StepResult:
    kind, parties = reads_of(step)
    common: dict[str, Any] = {"id": step.id, "title": step.title, "kind": step.kind, "refs": list(step.spec.get("refs") or []),
                              "reads": f"{kind}:{','.join(parties)}" if parties else kind}
    reason = step.spec.get("skip") or _unreadable(step, run.ctx_args["config"]) or _unmet(step, done)
    if reason is not None:
        return StepResult(**common, result="skip", duration=0.0, messages=[reason])
    t0 = time.perf_counter()
    out = run.step(step)
    return StepResult(**common, result=out.result, duration=round(time.perf_counter() - t0, 3),
                      messages=out.messages, exchange=out.exchange, captured=out.captured)
