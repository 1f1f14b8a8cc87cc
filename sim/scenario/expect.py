"""Expectations: operators on a JSONPath-lite value, findings of the exchange, stored state.

``check(expectation, roots, ...)`` returns the reasons it does not hold (empty: it holds).
A reason names the path, what was expected and what was there:
``$.code: expected equals -1, got 0``.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from .paths import select

OPS = ("equals", "not_equals", "in", "contains", "matches", "exists", "length", "each", "any")
SUBJECTS = ("status", "finding", "no_findings", "state", "xpath")
SEVERITIES = {"warning": 1, "error": 2}

#: ``(action name, params) -> result``: how a ``state:`` expectation asks an action.
StateReader = Callable[[str, dict[str, Any]], Any]


def show(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)


def _describe(ops: Mapping[str, Any]) -> str:
    return ", ".join(f"{op} {show(v) if op not in ('each', 'any') else '{' + _describe(v) + '}'}"
                     for op, v in ops.items())


def _one(op: str, expected: Any, value: Any) -> str | None:
    """Why ``value`` fails ``op expected``, or None."""
    got = f"got {show(value)}"
    if op == "equals":
        return None if _same(value, expected) else f"expected equals {show(expected)}, {got}"
    if op == "not_equals":
        return None if not _same(value, expected) else f"expected not_equals {show(expected)}, {got}"
    if op == "in":
        return None if any(_same(value, e) for e in expected) else f"expected in {show(expected)}, {got}"
    if op == "contains":
        if isinstance(value, str):
            ok = isinstance(expected, str) and expected in value
        elif isinstance(value, list):
            ok = any(_same(v, expected) for v in value)
        elif isinstance(value, dict):
            ok = expected in value
        else:
            ok = False
        return None if ok else f"expected contains {show(expected)}, {got}"
    if op == "matches":
        ok = isinstance(value, str) and re.search(str(expected), value) is not None
        return None if ok else f"expected matches {show(expected)}, {got}"
    if op == "length":
        size = len(value) if isinstance(value, (str, list, dict)) else None
        return None if size == expected else f"expected length {expected}, got {'no length' if size is None else size}"
    if op in ("each", "any"):
        return _quantified(op, expected, value)
    raise ValueError(f"unknown operator {op!r}")


def _quantified(op: str, ops: Mapping[str, Any], value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return f"expected {op} {{{_describe(ops)}}} over a non-empty list, got {show(value)}"
    failing = [(i, r) for i, item in enumerate(value) if (r := apply_ops(ops, True, item))]
    if op == "each" and failing:
        i, reasons = failing[0]
        more = f" ({len(failing)} of {len(value)} items fail)" if len(failing) > 1 else ""
        return f"expected each {{{_describe(ops)}}}; item {i}: {'; '.join(reasons)}{more}"
    if op == "any" and len(failing) == len(value):
        return f"expected any {{{_describe(ops)}}}; none of {len(value)} items does (item 0: {'; '.join(failing[0][1])})"
    return None


def apply_ops(ops: Mapping[str, Any], found: bool, value: Any) -> list[str]:
    """Reasons ``value`` (``found`` or not) fails ``ops``; ``exists`` alone may meet a missing value."""
    reasons: list[str] = []
    if "exists" in ops and bool(ops["exists"]) != found:
        reasons.append(f"expected exists {str(bool(ops['exists'])).lower()}, got {show(value) if found else 'nothing'}")
    rest = {op: v for op, v in ops.items() if op != "exists"}
    if rest and not found:
        reasons.append(f"not found (expected {_describe(rest)})")
        return reasons
    for op, expected in rest.items():
        if (reason := _one(op, expected, value)) is not None:
            reasons.append(reason)
    return reasons


def ops_of(expectation: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in expectation.items() if k in OPS}


def _finding_path_matches(actual: str, wanted: str) -> bool:
    return actual == wanted or actual.startswith((wanted + ".", wanted + "["))


def _findings_text(findings: list[dict[str, Any]]) -> str:
    if not findings:
        return "the exchange has no findings"
    listed = ", ".join(f"{f.get('rule')}@{f.get('path')} ({f.get('severity')})" for f in findings[:12])
    return f"the exchange has {listed}" + (f" and {len(findings) - 12} more" if len(findings) > 12 else "")


def _check_finding(exp: Mapping[str, Any], findings: list[dict[str, Any]]) -> list[str]:
    rule, path, severity = exp["finding"], exp.get("path"), exp.get("severity")
    hits = [f for f in findings if f.get("rule") == rule
            and (path is None or _finding_path_matches(str(f.get("path")), str(path)))
            and (severity is None or f.get("severity") == severity)]
    if hits:
        return []
    where = "".join(f", {k} {exp[k]}" for k in ("path", "severity") if exp.get(k) is not None)
    return [f"expected finding {rule}{where}; {_findings_text(findings)}"]


def _check_no_findings(level: str, findings: list[dict[str, Any]]) -> list[str]:
    bad = [f for f in findings if SEVERITIES.get(str(f.get("severity")), 2) >= SEVERITIES[level]]
    if not bad:
        return []
    kind = "no error findings" if level == "error" else "no findings"
    return [f"expected {kind}; {_findings_text(bad)}"]


def xpath_value(expression: str, document: Any) -> tuple[bool, Any]:
    """``(found, value)`` of an XPath 1.0 expression on an XML document given as text: the first
    match's text for a node-set, the value itself for a number, string or boolean."""
    from lxml import etree

    from reference.transports.soap import xml

    if not isinstance(document, str) or not document.strip():
        return False, None
    try:
        result = xml.parse(document, what="$xml").xpath(expression)
    except xml.XmlRefused as exc:
        raise ValueError(f"$xml is not readable XML: {exc}") from None
    except etree.XPathError as exc:
        raise ValueError(f"xpath {expression!r}: {exc}") from None
    if isinstance(result, list):
        if not result:
            return False, None
        first = result[0]
        return True, xml.text_of(first) if isinstance(first, etree._Element) else str(first)
    if isinstance(result, float) and result.is_integer():
        return True, int(result)
    return True, result


def check(exp: Mapping[str, Any], roots: Mapping[str, Any], read_state: StateReader) -> list[str]:
    """The reasons ``exp`` does not hold against ``roots`` (``$exchange`` is read only when needed)."""
    if "status" in exp:
        found, status = select("$status", roots)
        return [] if found and status == exp["status"] else [f"HTTP status: expected {exp['status']}, got {show(status)}"]
    if "finding" in exp:
        return _check_finding(exp, list(roots["$exchange"].get("findings") or []))
    if "no_findings" in exp:
        return _check_no_findings(exp["no_findings"], list(roots["$exchange"].get("findings") or []))
    if "xpath" in exp:
        found, value = xpath_value(str(exp["xpath"]), roots.get("$xml"))
        return [f"xpath {exp['xpath']}: {r}" for r in apply_ops(ops_of(exp), found, value)]
    if "state" in exp:
        result = read_state(exp["state"], dict(exp.get("with") or {}))
        path = exp.get("path", "$")
        found, value = select(path, {"$": result})
        return [f"state {exp['state']} {path}: {r}" for r in apply_ops(ops_of(exp), found, value)]
    path = exp["path"]
    found, value = select(path, roots)
    return [f"{path}: {r}" for r in apply_ops(ops_of(exp), found, value)]
