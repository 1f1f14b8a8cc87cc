"""A contract test of one external system: the flows that involve its party run against it, with
every other party simulated by a sandbox started here; then our record of every exchange with it
is read back and judged per interface.

    result = run_contract(config, "province_cloud", "http://vendor:8080")
    result.verdict            # pass | fail | skip | error

What is judged: the scenario steps (pass / fail / skip, a skip saying why), and per interface
(family · operation · direction) the exchanges of our record — its replies to our calls
(``outbound``: our simulators' record, with the contract checks of ``reference.validation.replies``)
and its requests to us (``inbound``: what our simulated parties found in them).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from reference.config import Config
from reference.families import for_party
from reference.validation.replies import section
from sim.scenario import ScenarioResult, StepResult, Targets, roll_up, run_scenario
from sim.scenario.model import SCENARIO_DIR
from sim.scenario.server import running_sandbox

#: party -> the flows (scenario names) in which it can be the external system under test
FLOWS: dict[str, tuple[str, ...]] = {
    "imaging_centre": ("flow-a-national",),
    "province_index": ("flow-a-national",),
    "province_cloud": ("flow-c-province",),
    "gateway": ("flow-b-gateway",),
    "hospital": ("flow-b-gateway", "flow-d-regional"),
    "regional_platform": ("flow-d-regional",),
    "jiwei": ("flow-d-regional",),
}
#: Findings that say the system under test refused a request of ours: whether it was right to is
#: for the scenario's steps to judge (a deliberately wrong request must be refused), not a defect.
REFUSALS = frozenset({"SIM-PEER-REJECTED", "SIM-PEER-ROW-REJECTED", "PULL-REJECTED", "DICOM-PEER-FAILED"})


@dataclass
class Interface:
    """One interface of the system under test, as our record saw it."""

    family: str
    operation: str
    direction: str           # outbound: its replies to our calls; inbound: its requests to us
    section: str
    exchanges: int = 0
    #: the exchange log's verdicts (a refusal of a deliberately wrong request of ours is a ``fail``
    #: there, and no defect of the system under test)
    verdicts: dict[str, int] = field(default_factory=dict)
    failed: int = 0  # exchanges with a defect of the system under test
    failing: list[dict[str, Any]] = field(default_factory=list)

    @property
    def result(self) -> str:
        return "fail" if self.failed else "pass"

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "operation": self.operation, "direction": self.direction,
                "section": self.section, "result": self.result, "exchanges": self.exchanges, "failed": self.failed,
                "verdicts": self.verdicts, "failing": self.failing}


@dataclass
class ContractResult:
    party: str
    target: str
    started: str
    duration: float
    scenarios: list[ScenarioResult]
    interfaces: list[Interface]

    @property
    def verdict(self) -> str:
        """``fail`` when an interface broke its contract (even if steps then erred for want of what
        it owed); else the roll-up of the steps and the interfaces."""
        if any(i.result == "fail" for i in self.interfaces):
            return "fail"
        steps = roll_up(s.result for s in self.scenarios)
        found = "fail" if any(i.result == "fail" for i in self.interfaces) else ("pass" if self.interfaces else "skip")
        return roll_up([steps, found])

    def findings(self) -> list[dict[str, Any]]:
        """Every finding of a failing exchange: rule, path, section, message."""
        return [f for i in self.interfaces for e in i.failing for f in e["findings"]]

    def to_dict(self) -> dict[str, Any]:
        return {"party": self.party, "target": self.target, "verdict": self.verdict, "started": self.started,
                "duration": self.duration, "interfaces": [i.to_dict() for i in self.interfaces],
                "scenarios": [s.to_dict() for s in self.scenarios]}


def external(config: Config, party: str, target: str) -> Config:
    """``config`` with ``party`` external at ``target`` (its other settings, e.g. DICOM, kept)."""
    parties = dict(config.parties)
    parties[party] = parties[party].model_copy(update={"mode": "external", "base_url": target.rstrip("/")})
    return config.model_copy(update={"parties": parties})


def scenario_path(name: str) -> Path:
    local = Path("scenarios") / f"{name}.yaml"
    return local if local.is_file() else SCENARIO_DIR / f"{name}.yaml"


def run_contract(config: Config, party: str, target: str, *, flows: Sequence[str] | None = None,
                 port: int = 0, vars: dict[str, Any] | None = None,  # noqa: A002 - the scenario format's word
                 on_step: Callable[[StepResult], None] | None = None) -> ContractResult:
    """Run ``flows`` (default: every flow ``party`` is in) against the system at ``target``."""
    if party not in FLOWS:
        raise KeyError(f"no flow has {party!r} as an external system (parties: {', '.join(FLOWS)})")
    cfg = external(config, party, target)
    started, t0 = datetime.now().astimezone().isoformat(timespec="seconds"), time.perf_counter()
    results = []
    with running_sandbox(cfg, dicom=True, port=port) as url:
        for name in flows or FLOWS[party]:
            results.append(run_scenario(scenario_path(name), Targets(cfg, url, storage=True), vars=vars, on_step=on_step))
        interfaces = judged(url, cfg, party)
    return ContractResult(party=party, target=target, started=started, duration=round(time.perf_counter() - t0, 3),
                          scenarios=results, interfaces=interfaces)


def _ours(entry: dict[str, Any]) -> bool:
    agent = str(((entry.get("request") or {}).get("headers") or {}).get("user-agent") or "")
    return agent.startswith("imgcloud-sandbox/")


def _log(url: str, config: Config, families: set[str]) -> list[dict[str, Any]]:
    """Our calls to ``families`` (and our DICOM calls), and every call to us, oldest first (at most
    1000 of each)."""
    queries = [{"direction": "outbound", "family": f} for f in sorted(families | {"dicom"})] + [{"direction": "inbound"}]
    with httpx.Client(timeout=60, headers={"X-Imgcloud-Admin": config.admin_token()}) as http:
        entries = [e for q in queries for e in http.get(f"{url}/_sandbox/exchanges", params={**q, "limit": 1000}).json()]
    return sorted(entries, key=lambda e: e["id"])


def _faults(entry: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The system under test's defects in one exchange (its error findings but our refusals), or
    None when it has none; an exchange that could not be judged (no answer) is one."""
    errors = [{k: f.get(k) for k in ("rule", "severity", "path", "zh", "en", "source")}
              for f in entry.get("findings") or [] if f.get("severity") == "error"]
    faults = [f for f in errors if f["rule"] not in REFUSALS]
    return faults if faults or entry["verdict"] == "error" else None


def judged(url: str, config: Config, party: str) -> list[Interface]:
    """Our record, per interface: our calls to ``party``'s families (its replies), and calls to us
    that are not our own simulators' (its requests: a sandbox standing in for it names the party)."""
    families = {f.name for f in for_party(party)}
    cfg = config.parties[party]
    scp = f"@{cfg.host}:{cfg.port}" if cfg.host and cfg.port else None  # its DICOM SCP, when it has one
    table: dict[tuple[str, str, str], Interface] = {}
    for entry in _log(url, config, families):
        agent = str(((entry.get("request") or {}).get("headers") or {}).get("user-agent") or "")
        theirs = entry["direction"] == "inbound" and (not _ours(entry) or f"({party})" in agent)
        ours_to_it = entry["direction"] == "outbound" and (
            entry["family"] in families or (scp is not None and str(entry.get("url") or "").endswith(scp)))
        if not (ours_to_it or theirs):
            continue
        key = (entry["family"] or "", entry["operation"] or "", entry["direction"])
        item = table.get(key) or table.setdefault(key, Interface(*key, section=section(key[0], key[1])))
        item.exchanges += 1
        item.verdicts[entry["verdict"]] = item.verdicts.get(entry["verdict"], 0) + 1
        faults = _faults(entry)
        if faults is not None:
            item.failed += 1
            if len(item.failing) < 20:
                item.failing.append({"uid": entry["uid"], "url": entry["url"], "status": entry["status"],
                                     "time": entry["time"], "findings": faults})
    return sorted(table.values(), key=lambda i: (i.family, i.operation, i.direction))
