"""Findings as one reply message, the way the families' envelopes carry them."""
from __future__ import annotations

from collections.abc import Sequence

from .book import Finding

#: seeds/000 §1.1.2 (7) 返回值: ``message`` 字符型 3000.
MESSAGE_LIMIT = 3000


def join_findings(findings: Sequence[Finding], lead: str = "", *, within: str = "", limit: int = MESSAGE_LIMIT) -> str:
    """Findings as one message; paths inside a row are shown relative to it (``within``).
    Over ``limit`` characters the message says how many findings there were and where to see
    them all (the exchange log keeps every one)."""
    text = lead + "；".join(f.text(relative_to=within) for f in findings)
    if len(text) <= limit:
        return text
    tail = f"…（共 {len(findings)} 条，详见 /_sandbox/exchanges / {len(findings)} findings, see /_sandbox/exchanges）"
    return text[: limit - len(tail)] + tail
