"""The cloud's replies (seeds/003 出参): ``{"code": <code>, "msg": "中文 / English", "datas": …}``.

The body's ``code`` carries the outcome; the HTTP status is 200 unless the party is
configured with ``mirror_status`` (INTERFACES.md §3), which then holds for every reply of the
family — successes, refusals, the HTTP boundary's own (not JSON, bad parameter) and internal
errors alike, since they all come through ``reply`` / ``error`` here.  Which code a rule
answers with is this one table, citing 003's code lists.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reference.config import Config
from reference.rules import Finding
from reference.rules.messages import join_findings

#: 003: 请求类型 application/json;charset=utf-8
MEDIA_TYPE = "application/json;charset=utf-8"

#: rule -> code (seeds/003: 权限鉴定接口 失败出参; 403 授权校验失败; 404 未查询到数据; 409 ×2; 503; 504).
CODES: dict[str, int] = {
    "PCLOUD-AUTH-SECRET": 11001,
    "PCLOUD-AUTH-LOCKED": 11003,
    "PCLOUD-AUTH-DAILY-LIMIT": 11004,
    "PCLOUD-TOKEN-MISSING": 403,
    "PCLOUD-TOKEN-UNKNOWN": 403,
    "PCLOUD-TOKEN-EXPIRED": 403,
    "PCLOUD-NO-DATA": 404,
    "PCLOUD-FILM-UNKNOWN": 404,
    "HTTP-NOT-FOUND": 404,
    "PCLOUD-PROJECT-NOT-UPLOADED": 409,
    "PCLOUD-PROJECT-NOT-MAPPED": 409,
    "PCLOUD-FOREIGN-EXAM": 504,
    "SANDBOX-INTERNAL": 503,
    "SANDBOX-BUSY": 503,
}
#: 003's own text per code, first in ``msg``.
LEADS: dict[int, str] = {
    400: "入参不规范 / invalid input",
    403: "授权校验失败 / authorisation failed",
    404: "未查询到数据！ / no data",
    409: "查询失败 / cannot query",
    503: "上传失败 / storage failure",
    504: "非本医院数据，不可获取 / another hospital's data",
    11001: "业务方Id或SecurityKey错误 / wrong uid or secret",
    11003: "业务方Id或SecurityKey连续错误次数过多(6次),请等待10分钟后重新获取 / locked",
    11004: "单日授权次数过多(30次) / daily token limit",
}
HTTP_CODES = frozenset({400, 403, 404, 409, 503, 504})


def code_of(findings: Sequence[Finding]) -> int:
    errors = [f for f in findings if f.is_error] or list(findings)
    special = [CODES[f.rule] for f in errors if f.rule in CODES]
    return special[0] if special else 400


def http_status(code: int, mirror: bool) -> int:
    return code if mirror and code in HTTP_CODES else 200


def ok(msg: str, datas: Any = None, warnings: Sequence[Finding] = ()) -> dict[str, Any]:
    if warnings:
        msg = join_findings(warnings, f"{msg}（有警告 / with warnings）：")
    return {"code": 200, "msg": msg, "datas": datas}


def failure(findings: Sequence[Finding]) -> tuple[int, dict[str, Any]]:
    code = code_of(findings)
    errors = [f for f in findings if f.is_error]
    ordered = [*errors, *(f for f in findings if not f.is_error)]
    return code, {"code": code, "msg": join_findings(ordered, f"{LEADS.get(code, LEADS[400])}："), "datas": None}


def mirrors(config: Config) -> bool:
    return config.parties["province_cloud"].mirror_status


def error(findings: Sequence[Finding], config: Config) -> tuple[int, dict[str, Any]]:
    """Every refusal of the family (the HTTP boundary calls it): the code's envelope, and the
    HTTP status 200 or the code mirrored."""
    code, body = failure(findings)
    return http_status(code, mirrors(config)), body
