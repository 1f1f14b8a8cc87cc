"""The sandbox-defined JSON error reply, for families whose documents define none (the
sandbox's control API, the simulated hospital's file service, families with no HTTP contract
yet): ``{"code": <HTTP status>, "message": "中文 / English", "findings": [...]}``."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reference.config import Config
from reference.rules import RULES, Finding


def error(findings: Sequence[Finding], config: Config | None = None) -> tuple[int, dict[str, Any]]:
    """The status is what the findings' rules mean (404 for "no such thing", 500 for the
    sandbox's own failure), 400 otherwise."""
    status = RULES.http_status(findings)
    return status, {
        "code": status,
        "message": "；".join(f.zh for f in findings) + " / " + "; ".join(f.en for f in findings),
        "findings": [f.to_dict() for f in findings],
    }
