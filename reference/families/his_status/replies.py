"""The simulated HIS's SynStatusInfo reply (seeds/004 §3.4.2.1 应答消息): code 0 成功; any
failure -1 (sandbox-defined: 004 says only "0表示成功，其他表示失败"), ``desc`` naming the findings."""
from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reference.config import Config
from reference.rules import Finding
from reference.rules.messages import join_findings

DESC_LIMIT = 300


def document(code: str, desc: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><response><code>{code}</code><desc>{escape(desc)}</desc></response>'


def success() -> str:
    return document("0", "成功")


def error(operation: str, findings: Sequence[Finding], config: Config) -> str:
    ordered = [*(f for f in findings if f.is_error), *(f for f in findings if not f.is_error)]
    return document("-1", join_findings(ordered, "失败：", limit=DESC_LIMIT))
