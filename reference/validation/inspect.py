"""``inspect_body``: one call that normalises, validates and reports a request body."""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from reference import profiles
from reference.config import ValidationMode
from reference.rules import Finding

from .normalise import Normaliser
from .paths import json_path
from .quick import Check, compile_quick, passes
from .schema import compile_schema, validate

__all__ = ["BodyReport", "inspect_body", "json_path", "rows_nodes_of"]


@dataclass
class BodyReport:
    """A normalised body and everything found in it, each finding with its path."""

    body: Any
    findings: list[Finding] = field(default_factory=list)
    #: Nodes holding rows answered one by one (``x-imgcloud-rows`` and its aliases).
    rows_nodes: tuple[str, ...] = ()
    mode: ValidationMode = "strict"
    profile: str = "default"
    _by_row: dict[tuple[str, int], list[Finding]] | None = field(default=None, repr=False, compare=False)

    def envelope_findings(self) -> list[Finding]:
        """Findings outside the rows."""
        return [f for f in self.findings if not any(f.path.startswith(f"{n}[") for n in self.rows_nodes)]

    def row_findings(self, node: str, index: int) -> list[Finding]:
        """The findings inside row ``index`` of ``node`` (grouped once: linear in the findings)."""
        if self._by_row is None:
            self._by_row = {}
            for f in self.findings:
                match = _ROW.match(f.path)
                if match and (match.end() == len(f.path) or f.path[match.end()] in ".["):
                    self._by_row.setdefault((match.group(1), int(match.group(2))), []).append(f)
        return list(self._by_row.get((node, index), []))


_ROW = re.compile(r"^([^.\[\]]+)\[(\d+)\]")


@dataclass(frozen=True)
class _Compiled:
    """An operation's body schema for one profile: patched, its validator, its quick check."""

    schema: dict[str, Any]
    validator: Any
    quick: Check | None
    rows_nodes: tuple[str, ...]


_compiled: dict[tuple[int, str, str], _Compiled] = {}
#: Whether ``inspect_body`` may answer a body its quick check passes without the full inspection
#: (``quick.py``); tests turn it off to compare both paths.
QUICK = True


def _schema_for(schema: dict[str, Any], operation: str, profile: str) -> _Compiled:
    """The operation's schema with the profile's patches applied, compiled once."""
    key = (id(schema), operation, profile)
    found = _compiled.get(key)
    if found is None:
        patched = profiles.apply(copy.deepcopy(schema), profile=profile, operation=operation)
        validator = compile_schema(patched, profile)
        found = _compiled[key] = _Compiled(patched, validator, compile_quick(patched, validator), rows_nodes_of(patched))
    return found


def rows_nodes_of(schema: dict[str, Any]) -> tuple[str, ...]:
    """The nodes holding rows answered one by one: ``x-imgcloud-rows`` and its aliases."""
    rows = schema.get("x-imgcloud-rows")
    return (rows, *(k for k, v in schema.get("x-imgcloud-aliases", {}).items() if v == rows)) if rows else ()


def inspect_body(
    body: Any, schema: dict[str, Any], *, operation: str, mode: ValidationMode = "strict", profile: str = "default",
    sent: int | None = None,
) -> BodyReport:
    """Normalise ``body`` in place against ``schema`` and validate it; never raises on bad input.

    A body its quick check passes (``quick.py``: nothing to normalise, nothing jsonschema would
    find) is reported as it is, with no finding — what the full inspection reports for it.  ``sent``:
    the body's size in bytes as it was sent, when known (``quick.passes``)."""
    compiled = _schema_for(schema, operation, profile)
    if QUICK and compiled.quick is not None and passes(compiled.quick, body, sent=sent):
        return BodyReport(body=body, rows_nodes=compiled.rows_nodes, mode=mode, profile=profile)
    normaliser = Normaliser(mode)
    body = normaliser.walk(body, compiled.schema, "$")
    findings = normaliser.findings + validate(compiled.validator, body, mode)
    return BodyReport(body=body, findings=findings, rows_nodes=compiled.rows_nodes, mode=mode, profile=profile)
