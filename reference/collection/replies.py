"""The reply envelope of seeds/001 (§4.3.3 出参 and 返回示例): ``{"code":200,"data":…,"message":"请求成功"}``.

001's error codes (§4.3.3 错误码): ``202`` 传参数不规范（少传参数）— every refusal of a caller's
parameters, each finding named in ``message``; ``500`` 内部服务错误.  ``code`` is a JSON number,
as the sample sends it (the table says string; INTERFACES.md §4).  Decision (sandbox-defined,
001 is silent): the HTTP status is 200 for 200 and 202, and equals the code for 404 (no such
interface) and 500, so monitoring sees real failures.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reference.config import Config
from reference.rules import RULES, Finding
from reference.rules.messages import join_findings

OK, BAD_PARAMETERS, NOT_FOUND, INTERNAL = 200, 202, 404, 500
#: 001 §4.3.3 返回示例 / 错误码 texts
LEADS = {OK: "请求成功", BAD_PARAMETERS: "传参数不规范：", NOT_FOUND: "接口地址不存在：", INTERNAL: "内部服务错误："}
MEDIA_TYPE = "application/json;charset=utf-8"


def ok(data: Any, message: str = LEADS[OK], warnings: Sequence[Finding] = ()) -> dict[str, Any]:
    """Success; warnings (drift accepted in lenient mode) are named after the message."""
    if warnings:
        message = join_findings(warnings, f"{message}（有警告 / with warnings）：")
    return {"code": OK, "data": data, "message": message}


def code_of(findings: Sequence[Finding]) -> int:
    status = RULES.http_status(findings)
    return INTERNAL if status >= 500 else NOT_FOUND if status == 404 else BAD_PARAMETERS


def error(findings: Sequence[Finding], config: Config | None = None) -> tuple[int, dict[str, Any]]:
    """Every refusal (the HTTP boundary calls it): ``(HTTP status, body)``."""
    code = code_of(findings)
    errors = [f for f in findings if f.is_error] or list(findings)
    ordered = [*errors, *(f for f in findings if f not in errors)]
    return (OK if code == BAD_PARAMETERS else code), {"code": code, "data": None,
                                                      "message": join_findings(ordered, LEADS[code])}
