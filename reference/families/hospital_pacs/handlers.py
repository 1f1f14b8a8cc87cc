"""Handlers of ``openapi/hospital-pacs.yaml``: the hospital PACS/RIS report pull (seeds/001 §4.1.2)."""
from __future__ import annotations

from typing import Any

from connexion.context import context

from reference.collection import replies
from reference.errors import NativeError
from reference.sandbox import Sandbox
from reference.transports.http.validation import REPORT_KEY

from . import service


def getReportInfo(hospitalCode: str, body: Any) -> dict[str, Any]:
    """影像诊断报告信息获取接口 对接方式二 HTTP — seeds/001 §4.1.2 (a window and a type, or examNo)."""
    sandbox: Sandbox = context["sandbox"]
    draft, inspected = context["exchange"], context[REPORT_KEY]
    draft.institution = hospitalCode
    findings = list(inspected.findings)
    if any(f.is_error for f in findings):
        raise NativeError(findings)
    query = service.parse_query(sandbox, hospitalCode, inspected.body if isinstance(inspected.body, dict) else {})
    rows, total = service.reports(sandbox, query)
    draft.add(findings)
    warnings = [f for f in findings if not f.is_error]
    return {**replies.ok(rows, warnings=warnings), "total": total, "pageNo": query.page, "pageSize": query.size}
