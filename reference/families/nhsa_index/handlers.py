"""Handlers of ``openapi/nhsa-index.yaml``, one per operationId.

The body arrives already inspected (drift undone, schema findings collected) by the
HTTP boundary; the handler only runs the family's service on it.
"""
from __future__ import annotations

from typing import Any

from connexion.context import context

from reference.transports.http.validation import REPORT_KEY

from . import service


def _run(operation: str) -> dict[str, Any]:
    return service.handle(context["sandbox"], context[REPORT_KEY], context["exchange"], operation)


def saveExamRpotImgIndx(body: Any) -> dict[str, Any]:
    """地方影像云数据共享中心数据上传服务 — seeds/000 §1.1.2, seeds/002 §三."""
    return _run("saveExamRpotImgIndx")


def deleteExamRpotImgIndx(body: Any) -> dict[str, Any]:
    """地方影像云数据共享中心数据删除服务 — seeds/000 §1.2.2."""
    return _run("deleteExamRpotImgIndx")
