"""The sandbox's own control API (``openapi/sandbox.yaml``): health and the exchange log."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reference.families import Family
from reference.rules import Finding


NOT_FOUND = frozenset({"HTTP-NOT-FOUND", "HOSP-FILE-UNKNOWN", "HOSP-WADO-UNKNOWN"})


def error(findings: Sequence[Finding]) -> tuple[int, dict[str, Any]]:
    status = 404 if any(f.rule in NOT_FOUND for f in findings) else 400
    if any(f.rule == "SANDBOX-INTERNAL" for f in findings):
        status = 500
    return status, {
        "code": status,
        "message": "；".join(f.zh for f in findings) + " / " + "; ".join(f.en for f in findings),
        "findings": [f.to_dict() for f in findings],
    }


FAMILY = Family(name="sandbox", title="sandbox control API", party="sandbox", prefixes=("/",), error=error)
