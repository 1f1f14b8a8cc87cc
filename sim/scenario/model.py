"""Scenario files: YAML read, checked against ``schema.json`` and a few rules a schema
cannot say (unique ids, ``needs`` naming earlier steps, one subject per expectation).
Every problem names the file, the step and the key.

YAML is read with only ``true``/``false`` as booleans and dates left as strings, so
``on:`` stays a key and ``2026-11-20`` a string.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import yaml

from reference.resources import package_dir

from .expect import OPS, SUBJECTS
from .paths import PathError, parse

if TYPE_CHECKING:
    from .registry import Registry

SCHEMA_PATH = package_dir("sim.scenario") / "schema.json"
#: The shipped scenario files (``scenarios/`` of the checkout, installed as ``sim.scenario.bundled``;
#: the CLI prefers ``./scenarios`` when it exists).
SCENARIO_DIR = package_dir("sim.scenario.bundled")
KINDS = ("action", "call", "soap", "wait")


class ScenarioError(Exception):
    """A scenario file that cannot be run; ``problems`` are lines naming file, step and key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Step:
    index: int
    id: str
    kind: str
    spec: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.spec.get("title") or "")

    @property
    def needs(self) -> list[str]:
        return list(self.spec.get("needs") or [])


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: list[Step]
    title: str = ""
    description: str = ""
    vars: dict[str, Any] = field(default_factory=dict)
    refs: list[str] = field(default_factory=list)
    source: str = "<scenario>"


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


@cache
def schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def read_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{source}:{where}: not valid YAML: {problem}"]) from None


def load_scenario(path: str | Path, registry: Registry | None = None) -> Scenario:
    """Read and check a scenario file; with ``registry``, also that every name it uses is registered."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read: {exc.strerror}"]) from None
    return parse_scenario(read_yaml(text, str(path)), str(path), registry)


def parse_scenario(data: Any, source: str = "<scenario>", registry: Registry | None = None) -> Scenario:
    problems = _schema_problems(data, source)
    if not problems:
        problems = _rule_problems(data, source)
    if not problems and registry is not None:
        problems = _name_problems(data, source, registry)
    if problems:
        raise ScenarioError(problems)
    steps = [Step(i, s["id"], next(k for k in KINDS if k in s), s) for i, s in enumerate(data["steps"])]
    return Scenario(name=data["name"], steps=steps, title=data.get("title", ""),
                    description=data.get("description", ""), vars=dict(data.get("vars") or {}),
                    refs=list(data.get("refs") or []), source=source)


# -- naming a place ------------------------------------------------------------------------

def _keys(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def where(source: str, data: Any, loc: list[Any]) -> str:
    """``file: step 'id' (steps[3]): expect[0].equals`` for a location in the file."""
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        steps = data.get("steps") if isinstance(data, dict) else None
        step = steps[loc[1]] if isinstance(steps, list) and loc[1] < len(steps) else None
        ident = step.get("id") if isinstance(step, dict) else None
        label = f"step {ident!r} (steps[{loc[1]}])" if ident else f"steps[{loc[1]}]"
        rest = _keys(loc[2:])
        return f"{source}: {label}" + (f": {rest}" if rest else "")
    return f"{source}: {_keys(loc) or '(top level)'}"


def _schema_problems(data: Any, source: str) -> list[str]:
    problems = []
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    for err in errors:
        loc = list(err.absolute_path)
        custom = err.schema.get("x-messages", {}).get(err.validator) if isinstance(err.schema, dict) else None
        if err.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            if err.validator == "unevaluatedProperties":
                allowed |= set(OPS)
            for key in [k for k in err.instance if k not in allowed]:
                problems.append(f"{where(source, data, [*loc, key])}: unknown key (allowed: {', '.join(sorted(allowed))})")
            continue
        problems.append(f"{where(source, data, loc)}: {custom or err.message}")
    return problems


# -- what the schema cannot say ------------------------------------------------------------

def _expectation_problems(exp: dict[str, Any], label: str) -> list[str]:
    subjects = [s for s in SUBJECTS if s in exp]
    ops = [k for k in exp if k in OPS]
    if len(subjects) > 1:
        return [f"{label}: one subject per expectation, got {', '.join(subjects)}"]
    subject = subjects[0] if subjects else "path"
    problems = []
    if subject in ("status", "finding", "no_findings") and ops:
        problems.append(f"{label}.{ops[0]}: operators do not apply to {subject}")
    if subject in ("path", "state", "xpath") and not ops:
        problems.append(f"{label}: {subject} needs an operator ({', '.join(OPS)})")
    for key, allowed in (("severity", "finding"), ("with", "state")):
        if key in exp and subject != allowed:
            problems.append(f"{label}.{key}: only with {allowed}")
    if subject != "finding" and isinstance(exp.get("path"), str) and "${" not in exp["path"]:
        problems += _path_problem(exp["path"], f"{label}.path")
    pattern = exp.get("matches")
    if isinstance(pattern, str) and "${" not in pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"{label}.matches: not a regular expression: {exc}")
    return problems


def _path_problem(path: str, label: str) -> list[str]:
    inner = re.fullmatch(r"length\((.*)\)", path.strip())
    try:
        parse((inner.group(1) if inner else path).strip())
    except PathError as exc:
        return [f"{label}: {exc}"]
    return []


def _rule_problems(data: dict[str, Any], source: str) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for i, step in enumerate(data["steps"]):
        at = lambda *keys, i=i: where(source, data, ["steps", i, *keys])  # noqa: E731
        if step["id"] in seen:
            problems.append(f"{at('id')}: id {step['id']!r} is used by an earlier step")
        for n, need in enumerate(step.get("needs") or []):
            if need not in seen:
                problems.append(f"{at('needs', n)}: {need!r} is not the id of an earlier step")
        seen.add(step["id"])
        problems += _reads_problems(step.get("reads"), at("reads", "internals"))
        for name, path in (step.get("capture") or {}).items():
            problems += _path_problem(path, at("capture", name))
        for n, exp in enumerate(step.get("expect") or []):
            problems += _expectation_problems(exp, at("expect", n))
        until = (step.get("wait") or {}).get("until")
        for n, exp in enumerate(until if isinstance(until, list) else [until] if until else []):
            problems += _expectation_problems(exp, at("wait", "until", n) if isinstance(until, list) else at("wait", "until"))
    return problems


def _reads_problems(reads: Any, label: str) -> list[str]:
    from reference.parties import providers

    if not isinstance(reads, dict):
        return []
    named = reads["internals"] if isinstance(reads["internals"], list) else [reads["internals"]]
    known = providers()
    return [f"{label}: no party {p!r} (parties: {', '.join(known)})" for p in named if p not in known]


def _name_problems(data: dict[str, Any], source: str, registry: Registry) -> list[str]:
    problems: list[str] = []

    def need(table: dict[str, Any], kind: str, name: Any, loc: list[Any]) -> None:
        if isinstance(name, str) and name not in table:
            known = ", ".join(sorted(table)) or "none"
            problems.append(f"{where(source, data, loc)}: no {kind} {name!r} is registered (registered: {known})")

    for i, step in enumerate(data["steps"]):
        need(registry.actions, "action", step.get("action"), ["steps", i, "action"])
        need(registry.actions, "action", (step.get("wait") or {}).get("action"), ["steps", i, "wait", "action"])
        need(registry.interfaces, "interface", step.get("call"), ["steps", i, "call"])
        need(registry.soap_interfaces(), "SOAP operation", step.get("soap"), ["steps", i, "soap"])
        rows = step.get("rows")
        if isinstance(rows, dict):
            need(registry.generators, "generator", rows.get("generate"), ["steps", i, "rows", "generate"])
        for path, how in (step.get("mutate") or {}).items():
            name = how if isinstance(how, str) else next(iter(how))
            need(registry.mutators, "mutator", name, ["steps", i, "mutate", path])
        for n, exp in enumerate(step.get("expect") or []):
            need(registry.actions, "action", exp.get("state"), ["steps", i, "expect", n, "state"])
    return problems
