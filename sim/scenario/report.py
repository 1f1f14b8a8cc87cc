"""Writers of scenario results: console (rich), JSON, JUnit XML.  Small and interchangeable:
each takes the ``ScenarioResult`` list ``run_scenario`` produced."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from .runner import RESULTS, ScenarioResult, StepResult, roll_up

COLOURS = {"pass": "green", "fail": "red", "skip": "yellow", "error": "magenta"}
WORDS = {"pass": "passed", "fail": "failed", "skip": "skipped", "error": "errors"}


def counts(results: Sequence[ScenarioResult]) -> dict[str, int]:
    """Steps per result over every scenario."""
    return {r: sum(s.counts[r] for s in results) for r in RESULTS}


def summary_line(results: Sequence[ScenarioResult]) -> str:
    """``N passed, N failed, N skipped, N errors``."""
    total = counts(results)
    return ", ".join(f"{total[r]} {WORDS[r]}" for r in RESULTS)


# -- console -------------------------------------------------------------------------------

class ConsoleReporter:
    """Prints as the run goes: a header per scenario, one line per step, messages below it."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)

    def _word(self, result: str) -> str:
        return f"[bold {COLOURS[result]}]{result.upper():<5}[/]"

    def scenario_started(self, name: str, title: str, source: str) -> None:
        self.console.print(f"[bold]{escape(name)}[/]  {escape(title)}  [dim]{escape(source)}[/]", soft_wrap=True)

    def step(self, step: StepResult) -> None:
        title = f"  {escape(step.title)}" if step.title else ""
        self.console.print(f"  {self._word(step.result)} {escape(step.id)}{title}  [dim]{step.duration:.2f} s[/]",
                           soft_wrap=True)
        for message in step.messages:
            self.console.print(f"          {escape(message)}", soft_wrap=True)

    def scenario_done(self, result: ScenarioResult) -> None:
        n = result.counts
        parts = ", ".join(f"{n[r]} {WORDS[r]}" for r in RESULTS if n[r])
        self.console.print(f"  → {self._word(result.result)} {escape(result.name)} ({parts}; {result.duration:.2f} s)\n",
                           soft_wrap=True)

    def summary(self, results: Sequence[ScenarioResult]) -> None:
        overall = roll_up(r.result for r in results)
        seconds = sum(r.duration for r in results)
        self.console.print(f"[bold {COLOURS[overall]}]{summary_line(results)}[/] "
                           f"[dim]({len(results)} scenario{'s' * (len(results) != 1)}, {seconds:.2f} s)[/]")


def write_console(results: Sequence[ScenarioResult], console: Console | None = None) -> None:
    reporter = ConsoleReporter(console)
    for result in results:
        reporter.scenario_started(result.name, result.title, result.source)
        for step in result.steps:
            reporter.step(step)
        reporter.scenario_done(result)
    reporter.summary(results)


# -- JSON ------------------------------------------------------------------------------------

def to_json(results: Sequence[ScenarioResult]) -> dict[str, Any]:
    return {"result": roll_up(r.result for r in results), "counts": counts(results),
            "scenarios": [r.to_dict() for r in results]}


def write_json(results: Sequence[ScenarioResult], path: str | Path) -> None:
    Path(path).write_text(json.dumps(to_json(results), ensure_ascii=False, indent=2, default=str) + "\n",
                          encoding="utf-8")


# -- JUnit XML -------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(value: str) -> str:
    return _CONTROL.sub("?", value)


def _suite_attrs(n: dict[str, int], seconds: float) -> dict[str, str]:
    return {"tests": str(sum(n.values())), "failures": str(n["fail"]), "errors": str(n["error"]),
            "skipped": str(n["skip"]), "time": f"{seconds:.3f}"}


def junit_xml(results: Sequence[ScenarioResult]) -> ET.ElementTree:
    """One testsuite per scenario, one testcase per step (classname = scenario name)."""
    root = ET.Element("testsuites", {"name": "imgcloud-sandbox scenarios",
                                     **_suite_attrs(counts(results), sum(r.duration for r in results))})
    for result in results:
        suite = ET.SubElement(root, "testsuite", {"name": result.name, "timestamp": result.started,
                                                  **_suite_attrs(result.counts, result.duration)})
        props = ET.SubElement(suite, "properties")
        for name, value in (("title", result.title), ("source", result.source), ("result", result.result)):
            ET.SubElement(props, "property", {"name": name, "value": _text(value)})
        for step in result.steps:
            _testcase(suite, result.name, step)
    ET.indent(root)
    return ET.ElementTree(root)


def _testcase(suite: ET.Element, classname: str, step: StepResult) -> None:
    case = ET.SubElement(suite, "testcase", {"classname": classname, "name": step.id, "time": f"{step.duration:.3f}"})
    text = _text("\n".join(step.messages))
    first = _text(step.messages[0]) if step.messages else step.result
    if step.result == "fail":
        ET.SubElement(case, "failure", {"message": first, "type": "fail"}).text = text
    elif step.result == "error":
        ET.SubElement(case, "error", {"message": first, "type": "error"}).text = text
    elif step.result == "skip":
        ET.SubElement(case, "skipped", {"message": first})
    out = [step.title] + ([f"exchange {step.exchange}"] if step.exchange else [])
    if step.result == "pass":
        out += step.messages
    ET.SubElement(case, "system-out").text = _text("\n".join(line for line in out if line))


def write_junit(results: Sequence[ScenarioResult], path: str | Path) -> None:
    junit_xml(results).write(path, encoding="utf-8", xml_declaration=True)
