"""SynApplyInfo's reply document (seeds/004 §3.4.1.1 应答消息): ``<response><code/><desc/></response>``.

Which code a refusal answers is this one table, citing 004's 响应码定义; any other error is -3
(传入信息有误).  ``desc`` (VARCHAR(300)) leads with 004's own text for the code and lists the
findings (rule, element path, 中文 / English), cut at 300 characters with a pointer to the
exchange log, which keeps them all.
"""
from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reference.config import Config
from reference.dictionaries import label
from reference.rules import Finding
from reference.rules.messages import join_findings

SUCCESS = "0"
#: seeds/004 §3.4.1.1 响应码定义
CODES: dict[str, str] = {
    "SYNINFO-APPLY-EXISTS": "-1",
    "SYNINFO-WRITE-FAILED": "-1",
    "SYNINFO-DELETE-MISMATCH": "-2",
    "SYNINFO-DELETE-FAILED": "-2",
    "SYNINFO-APPLY-PROGRESSED": "-88",
    "SYNINFO-APPLY-UNKNOWN": "-99",
}
INVALID = "-3"
DESC_LIMIT = 300


def document(code: str, desc: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><response><code>{code}</code><desc>{escape(desc)}</desc></response>'


def success() -> str:
    """004's success reply, as printed: code 0, desc 成功."""
    return document(SUCCESS, "成功")


def code_of(findings: Sequence[Finding]) -> str:
    errors = [f for f in findings if f.is_error] or list(findings)
    special = [CODES[f.rule] for f in errors if f.rule in CODES]
    return special[0] if special else INVALID


def error(operation: str, findings: Sequence[Finding], config: Config) -> str:
    """The family's failure reply (``Family.soap_error``)."""
    code = code_of(findings)
    ordered = [*(f for f in findings if f.is_error), *(f for f in findings if not f.is_error)]
    lead = f"{label('syninfo_response_code', code) or '失败'}："
    return document(code, join_findings(ordered, lead, limit=DESC_LIMIT))
