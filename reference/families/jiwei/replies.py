"""The primary-care platform's replies (seeds/004 §3.1.1.2 一般响应JSON格式规范, §3.1.2.2 返回码).

Success: ``{"success": "true", "param": <AES of {"content": […], "success": "true"}>}``;
failure, in clear (the caller may hold the wrong key): ``{"errorCode": "98", "errorMsg": …,
"success": "false"}``, HTTP 200, whatever failed — the transport's refusals included."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from reference.config import Config
from reference.crypto import aes
from reference.rules import Finding
from reference.rules.messages import join_findings

MEDIA_TYPE = "application/json"
FAILED = "98"


def success(forms: list[dict[str, Any]], key: str) -> dict[str, Any]:
    text = json.dumps({"content": forms, "success": "true"}, ensure_ascii=False, separators=(",", ":"))
    return {"success": "true", "param": aes.encrypt(text, key)}


def error(findings: Sequence[Finding], config: Config | None = None) -> tuple[int, dict[str, Any]]:
    ordered = [*(f for f in findings if f.is_error), *(f for f in findings if not f.is_error)]
    return 200, {"errorCode": FAILED, "errorMsg": join_findings(ordered, "失败："), "success": "false"}
