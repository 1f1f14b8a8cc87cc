"""The platform's replies (seeds/004 §3.2.2.2 返回结果定义, §3.2.2.4 状态码说明):
``{"status": …, "message": "…", "page"?: …, "result"?: …}``.

Which status a refusal answers is this one table: the sandbox's own failure is 500 (HTTP 500);
what is not a request of this API at all (not JSON, a wrong content type or path, another
project) is 999 (HTTP 400/404); every other refusal 1 (HTTP 200)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reference.config import Config
from reference.dictionaries import label
from reference.rules import RULES, Finding
from reference.rules.messages import join_findings

OK, FAILED, INTERNAL, OTHER = 0, 1, 500, 999
MEDIA_TYPE = "application/json"
#: rule -> status (004 §3.2.2.4); any other error: 1 操作失败
STATUSES: dict[str, int] = {
    "SANDBOX-INTERNAL": INTERNAL,
    "HTTP-JSON": OTHER, "HTTP-EMPTY-BODY": OTHER, "HTTP-CONTENT-TYPE": OTHER, "HTTP-NOT-FOUND": OTHER,
    "HTTP-METHOD": OTHER, "HTTP-PARAMETER": OTHER, "REGIONAL-PROJECT-UNKNOWN": OTHER,
}


def status_of(findings: Sequence[Finding]) -> int:
    errors = [f for f in findings if f.is_error] or list(findings)
    special = [STATUSES[f.rule] for f in errors if f.rule in STATUSES]
    return INTERNAL if INTERNAL in special else special[0] if special else FAILED


def ok(result: Any = None, warnings: Sequence[Finding] = ()) -> dict[str, Any]:
    message = label("regional_api_status", "0") or "操作成功"
    if warnings:
        message = join_findings(warnings, f"{message}（有警告 / with warnings）：")
    body: dict[str, Any] = {"status": OK, "message": message}
    if result is not None:
        body["result"] = result
    return body


def error(findings: Sequence[Finding], config: Config | None = None) -> tuple[int, dict[str, Any]]:
    """Every refusal of the family (the HTTP boundary calls it)."""
    status = status_of(findings)
    ordered = [*(f for f in findings if f.is_error), *(f for f in findings if not f.is_error)]
    message = join_findings(ordered, f"{label('regional_api_status', str(status)) or '操作失败'}：")
    http = 500 if status == INTERNAL else RULES.http_status(findings) if status == OTHER else 200
    return http, {"status": status, "message": message}
