"""Handlers of ``openapi/jiwei.yaml``, one per operationId (seeds/004 §3.1)."""
from __future__ import annotations

from typing import Any

from connexion.context import context

from reference.errors import NativeError
from reference.regional import identity
from reference.sandbox import Sandbox
from reference.transports.http.validation import REPORT_KEY

from . import replies, service


def applyForm(body: Any) -> dict[str, Any]:
    """影像申请单接口 — seeds/004 §3.1.3.1: the patient's apply forms, AES in and out."""
    from . import FAMILY

    sandbox: Sandbox = context["sandbox"]
    draft = context["exchange"]
    draft.operation = "applyForm"
    report = context[REPORT_KEY]
    if any(f.is_error for f in report.findings):
        raise NativeError(report.findings)
    inst, payload = service.decrypt(sandbox, str(report.body["param"]))
    draft.institution = inst.code
    params, findings = service.check(sandbox, inst, payload, FAMILY.spec()["components"]["schemas"]["ApplyFormQuery"])
    findings = [*report.findings, *findings]
    if any(f.is_error for f in findings):
        raise NativeError(findings)
    forms = service.query(sandbox, inst, params)
    draft.add(findings)
    return replies.success(forms, identity.jiwei_key(sandbox.config, inst))
