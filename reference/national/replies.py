"""The national envelopes (seeds/000 §1.1.2 (7) 返回值; INTERFACES.md §1).

Success ``{"code":0,"type":"success","message":"成功","data":[…]}``; envelope or auth
failure ``{"code":-1,"type":"error","message":"…","data":null}``, HTTP 200 as the
national platform answers.  ``message`` holds every finding (3000 characters at most,
the seed's length of ``message``); the exchange log keeps them all.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reference.config import Config
from reference.rules import Finding
from reference.rules.messages import join_findings


def success(rows: list[dict[str, Any]], warnings: Sequence[Finding] = ()) -> dict[str, Any]:
    """code 0; envelope-level warnings (e.g. the node name) are named in ``message``."""
    message = join_findings(warnings, "成功（有警告 / with warnings）：") if warnings else "成功"
    return {"code": 0, "type": "success", "message": message, "data": rows}


def error(findings: Sequence[Finding], config: Config | None = None) -> tuple[int, dict[str, Any]]:
    """Envelope or auth failure: code -1, HTTP 200 (the national platform's way)."""
    errors = [f for f in findings if f.is_error]
    rest = [f for f in findings if not f.is_error] if errors else []
    return 200, {"code": -1, "type": "error", "message": join_findings([*(errors or findings), *rest]), "data": None}


def row_result(hi_img_indx: str | None, findings: Sequence[Finding], *, path: str, done: str,
               failed: str) -> dict[str, Any]:
    """Per-row answer: succFlag 1 clean, 0 done with warnings, -1 rejected."""
    errors = [f for f in findings if f.is_error]
    if errors:
        ordered = [*errors, *(f for f in findings if not f.is_error)]
        flag, message = "-1", join_findings(ordered, f"{failed}：", within=path)
    elif findings:
        flag, message = "0", join_findings(findings, f"{done}（有警告 / with warnings）：", within=path)
    else:
        flag, message = "1", done
    return {"hiImgIndx": hi_img_indx, "succFlag": flag, "message": message}
