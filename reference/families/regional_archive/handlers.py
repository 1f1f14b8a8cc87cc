"""Handlers of ``openapi/regional-archive.yaml``, one per operationId (seeds/004 §3.2, §3.4.3).

Each checks the project and the token first, then the body's findings, then calls the
operation in ``service.py``.  A refusal is a ``NativeError``: the HTTP boundary answers it in
the family's envelope (``envelope.error``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connexion import request
from connexion.context import context
from starlette.responses import HTMLResponse

from reference.errors import NativeError
from reference.regional import identity
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.transports.http.validation import REPORT_KEY

from . import envelope, pages, service, tokens


def _sandbox() -> Sandbox:
    return context["sandbox"]


def _check_project(project: str) -> None:
    expected = _sandbox().config.parties["regional_platform"].project
    if project != expected:
        raise NativeError([RULES.finding("REGIONAL-PROJECT-UNKNOWN", path="project", project=project, expected=expected)])


def _serve(operation: str, project: str | None,
           run: Callable[[str, Any, list[Finding]], Any]) -> dict[str, Any]:
    """Project, token, then the body's findings, then ``run(org_id, body, findings)``."""
    draft = context["exchange"]
    draft.operation = operation
    if project is not None:
        _check_project(project)
    org_id, problems = tokens.holder(_sandbox(), request.headers.get("token"))
    if problems:
        raise NativeError(problems)
    assert org_id is not None
    inst = identity.by_regional_code(_sandbox().config, org_id)
    draft.institution = inst.code if inst else org_id
    report = context[REPORT_KEY]
    findings = list(report.findings)
    if any(f.is_error for f in findings):
        raise NativeError(findings)
    result = run(org_id, report.body, findings)
    draft.add(findings)
    return envelope.ok(result, [f for f in findings if not f.is_error])


def authGetToken(body: Any) -> dict[str, Any]:
    """获取接口token — seeds/004 §3.2.2.5 接口权限."""
    draft = context["exchange"]
    draft.operation = "authGetToken"
    report = context[REPORT_KEY]
    findings = list(report.findings)
    if any(f.is_error for f in findings):
        raise NativeError(findings)
    inst, problems = tokens.read_sign(_sandbox(), str(report.body["sign"]), report.mode)
    findings += problems
    if inst is not None:
        draft.institution = inst.code
    if inst is None or any(f.is_error for f in findings):
        raise NativeError(findings)
    draft.add(findings)
    return envelope.ok({"token": tokens.issue(_sandbox(), inst)}, [f for f in findings if not f.is_error])


def examPush(project: str, body: Any) -> dict[str, Any]:
    """检查信息推送接口 — seeds/004 §3.2.3.1 (before the images: C-STORE is accepted afterwards)."""
    return _serve("examPush", project, lambda org, b, f: service.push(_sandbox(), org, b, f))


def examUploadStatistics(project: str, body: Any) -> dict[str, Any]:
    """检查上传统计接口 — seeds/004 §3.2.3.3 (expected counts per hospital, day and class)."""
    def run(org: str, items: Any, findings: list[Finding]) -> None:
        service.upload_statistics(_sandbox(), org, list(items), findings)

    return _serve("examUploadStatistics", project, run)


def clinicQueryPage(**query: str) -> HTMLResponse:
    """报告调阅接口 — seeds/004 §3.4.3 (the report list page)."""
    context["exchange"].operation = "clinicQueryPage"
    return HTMLResponse(pages.report_list(_sandbox(), {k: str(v) for k, v in query.items()}))


def statisticsPage(hospitalCode: str | None = None, examDate: str | None = None) -> HTMLResponse:
    """检查上传统计对账 — the reconciliation of 004 §3.2.3.3 (sandbox-defined page)."""
    context["exchange"].operation = "statisticsPage"
    return HTMLResponse(pages.statistics(_sandbox(), hospitalCode, examDate))
