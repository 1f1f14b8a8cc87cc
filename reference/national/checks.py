"""Checks of the national envelope (infno, node, institution, key, msgid) — seeds/000 §1.1.2 (4).

Everything found is collected before deciding, so a sender sees all its mistakes at
once; any error rejects the whole request with code -1.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from reference.config import InstitutionConfig, ValidationMode
from reference.errors import NativeError
from reference.exchanges import ExchangeDraft
from reference.profiles import row_node
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.validation import BodyReport
from reference.validators import codes

from . import idempotency


@dataclass
class Envelope:
    institution: InstitutionConfig
    msgid: str
    node: str
    rows: list[Any]
    findings: list[Finding] = field(default_factory=list)


def _expected_node(report: BodyReport, operation: str) -> str:
    """The node this institution's document names: its profile's, else the spec's."""
    return row_node(report.profile, operation, report.rows_nodes[0])


def _node(body: dict[str, Any], report: BodyReport, operation: str) -> tuple[str | None, list[Finding]]:
    present = [n for n in report.rows_nodes if n in body]
    expected = _expected_node(report, operation)
    other = next(n for n in report.rows_nodes if n != expected)
    if not present:
        return None, [RULES.finding("NIDX-NODE-MISSING", mode=report.mode, path=expected, expected=expected, other=other)]
    if len(present) > 1:
        return None, [RULES.finding("NIDX-NODE-BOTH", mode=report.mode, path=expected, expected=expected, other=other)]
    node = present[0]
    profile = report.profile
    if node != expected:
        return node, [RULES.finding("DRIFT-NODE", mode=report.mode, path=node, actual=node, expected=expected, profile=profile)]
    return node, []


def _institution(sandbox: Sandbox, body: dict[str, Any], mode: ValidationMode) -> tuple[InstitutionConfig | None, list[Finding]]:
    code = body.get("infCode")
    if not isinstance(code, str) or not code:
        return None, []  # reported by the schema (required)
    inst = sandbox.config.institution(code)
    if inst is None:
        return None, [RULES.finding("NIDX-AUTH-UNKNOWN", mode=mode, code=code)]
    key = body.get("key")
    secret = sandbox.config.secret_for(inst)
    if not isinstance(key, str) or not hmac.compare_digest(key.encode(), secret.encode()):
        return inst, [RULES.finding("NIDX-AUTH-KEY", mode=mode, code=code)]
    return inst, []


def open_envelope(sandbox: Sandbox, report: BodyReport, operation: str) -> Envelope:
    """The checked envelope, or ``NativeError`` with every envelope finding."""
    findings = report.envelope_findings()
    body = report.body
    if not isinstance(body, dict):
        raise NativeError(findings)
    infno = body.get("infno")
    if isinstance(infno, str) and infno and infno != operation:
        findings.append(RULES.finding("NIDX-INFNO", mode=report.mode, expected=operation, actual=infno))
    node, node_findings = _node(body, report, operation)
    inst, auth_findings = _institution(sandbox, body, report.mode)
    findings += node_findings + auth_findings
    msgid = body.get("msgid")
    if isinstance(msgid, str) and msgid:
        problems = codes.check_msgid(msgid, inf_code=body.get("infCode"), now=sandbox.clock.now())
        findings += RULES.from_problems(problems, path="msgid", mode=report.mode)
    rows = body.get(node) if node else None
    if node and isinstance(rows, list) and not rows:
        findings.append(RULES.finding("NIDX-EMPTY", mode=report.mode, path=node, node=node))
    if inst is None or not node or not isinstance(rows, list) or any(f.is_error for f in findings):
        # the rows' own findings too, so the sender sees every mistake in one round trip
        known = set(findings)  # findings hash by their content: linear, not a list scan per finding
        raise NativeError(findings + [f for f in report.findings if f not in known])
    return Envelope(institution=inst, msgid=str(msgid), node=node, rows=rows, findings=findings)


def begin(sandbox: Sandbox, report: BodyReport, draft: ExchangeDraft, operation: str) -> tuple[Envelope, str]:
    """What every national-envelope operation does first: name the exchange, check the
    envelope, and digest the body for msgid idempotency."""
    draft.operation = operation
    body = report.body
    code = body.get("infCode") if isinstance(body, dict) else None
    draft.institution = code if isinstance(code, str) else None
    env = open_envelope(sandbox, report, operation)
    draft.add(env.findings)
    return env, idempotency.body_digest(body)
