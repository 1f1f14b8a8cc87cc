"""Loading the catalogue files and turning rules into findings."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reference.config import ValidationMode
from reference.resources import load_yaml

Severity = Literal["error", "warning"]
CATALOGUE_DIR = Path(__file__).with_name("catalogue")


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    zh: str
    en: str
    source: str
    field: str = "$"
    lenient: Severity | None = None
    problem: str | None = None
    #: the HTTP status the rule means where a family has no code table of its own (the
    #: sandbox's JSON errors, the hospital's files, HTML pages): 404 for "no such thing"
    status: int | None = None

    def severity_in(self, mode: ValidationMode) -> Severity:
        return self.lenient if mode == "lenient" and self.lenient else self.severity


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    path: str
    zh: str
    en: str
    source: str
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def text(self, relative_to: str = "") -> str:
        """One line for a response ``message``: ``[ID] path: 中文 / English``."""
        path = self.path
        if relative_to and path.startswith(relative_to):
            path = path[len(relative_to):].lstrip(".")
        where = f"{path}: " if path and path != "$" else ""
        return f"[{self.rule}] {where}{self.zh} / {self.en}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "zh": self.zh,
            "en": self.en,
            "source": self.source,
        }


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(template: str, params: Mapping[str, Any]) -> str:
    """``template`` with its named fields filled, a field without a value left as ``{name}``:
    ``str.format_map`` (C), as ``string.Formatter().vformat`` fills them (Python: ~3x its CPU, two
    a finding — the 11004 of every ``getToken`` a load test sends, each row's finding of a bad save)."""
    return template.format_map(_Blank(params))


class RuleBook:
    """All rules by id, and by the validator problem code they report."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules: dict[str, Rule] = {}
        self._by_problem: dict[str, Rule] = {}
        for rule in rules:
            if rule.id in self._rules:
                raise ValueError(f"rule {rule.id} is defined twice")
            self._rules[rule.id] = rule
            if rule.problem:
                self._by_problem[rule.problem] = rule

    @classmethod
    def load(cls, directory: Path = CATALOGUE_DIR) -> RuleBook:
        rules: list[Rule] = []
        for path in sorted(directory.glob("*.yaml")):
            for entry in load_yaml(path.read_text(encoding="utf-8")) or []:
                rules.append(Rule(**entry))
        return cls(rules)

    def __getitem__(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def __iter__(self):
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def http_status(self, findings: Iterable[Finding], default: int = 400) -> int:
        return _http_status(self, findings, default)

    def rule_for_problem(self, code: str) -> Rule:
        return self._by_problem[code]

    def finding(
        self, rule_id: str, *, mode: ValidationMode = "strict", path: str | None = None, **params: Any
    ) -> Finding:
        rule = self._rules[rule_id]
        where = path if path is not None else rule.field
        values = {"path": where, **params}
        return Finding(
            rule=rule.id,
            severity=rule.severity_in(mode),
            path=where,
            zh=_render(rule.zh, values),
            en=_render(rule.en, values),
            source=rule.source,
            params=params,
        )

    def from_problems(
        self, problems: Iterable[Any], *, path: str, mode: ValidationMode = "strict", **extra: Any
    ) -> list[Finding]:
        """Findings for a validator's problems (``Problem(code, params)``)."""
        return [
            self.finding(self.rule_for_problem(p.code).id, mode=mode, path=path, **{**extra, **dict(p.params)})
            for p in problems
        ]


def _http_status(book: RuleBook, findings: Iterable[Finding], default: int = 400) -> int:
    """The HTTP status of a refusal: an internal error's 500 first, then the first error
    finding whose rule names a status, else ``default``."""
    errors = [f for f in findings if f.is_error] or list(findings)
    statuses = [status for f in errors if (status := book[f.rule].status)]
    if 500 in statuses:
        return 500
    return statuses[0] if statuses else default


def verdict_of(findings: Iterable[Finding]) -> str:
    """pass (nothing found), warn (warnings only) or fail (any error)."""
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "fail"
    return "warn" if severities else "pass"


RULES = RuleBook.load()
