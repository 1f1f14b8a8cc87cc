"""Contract checks of a reply from an external party: what we check of requests sent to us,
applied to what a system under test answers us (INTERFACES.md; issue 15).

``check_reply(family, operation, response)`` judges one HTTP reply against the family's contract
(``openapi/<family>.yaml``): the status is one the operation documents, the media type is the
documented one, the body is JSON when JSON is documented, and it validates against the response
schema (required fields, lengths, code lists, types); then the family's own rules of a reply
(``SUCCESS``, ``CODES``, ``OWED``): a documented code, and on success the fields the seed says it
owes.  Every problem is a finding naming the rule, the field and the seed section.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import httpx
import jsonschema
from jsonschema import Draft4Validator, ValidationError

from reference.rules import RULES, Finding

from .schema import _validator_class, validate

if TYPE_CHECKING:
    from reference.families import Family

#: Replies larger than this are judged on status and media type only (a base64 image is not
#: re-parsed to check its envelope: the pull's own checks read it).
MAX_CHECKED = 1 << 20

#: family -> (the key of the reply's outcome code, the code of success)
SUCCESS: dict[str, tuple[str, Any]] = {
    "province-cloud": ("code", 200),       # seeds/003 状态码
    "nhsa-index": ("code", 0),             # seeds/000 §1.1.2 (6) 输出; 002 §三
    "imaging-centre": ("code", 0),         # seeds/002 §二
    "hospital-pacs": ("code", 200),        # seeds/001 §4.1.2
    "gateway": ("code", 200),              # seeds/001 §4.3
    "regional-archive": ("status", 0),     # seeds/004 §3.2.2
}
#: family -> the codes its seed documents (a reply with another code is not in the contract)
CODES: dict[str, frozenset[Any]] = {
    "province-cloud": frozenset({200, 400, 403, 404, 409, 503, 504, 11001, 11003, 11004}),  # seeds/003 状态码
    "nhsa-index": frozenset({0, -1}),
    "imaging-centre": frozenset({0, -1}),
    "hospital-pacs": frozenset({200, 202, 500}),   # seeds/001 §4.1.2
    "gateway": frozenset({200, 202, 500}),         # seeds/001 §4.3
    "regional-archive": frozenset({0, 1}),         # seeds/004 §3.2.2
}
#: (family, operation) -> fields a success reply owes (dotted; ``[*]`` each item), beyond the schema
#: (the national envelope's row results require ``succFlag`` in the schema itself)
OWED: dict[tuple[str, str], tuple[str, ...]] = {
    ("province-cloud", "getToken"): ("datas.token",),            # seeds/003 权限鉴定接口 出参 token
    ("province-cloud", "savePatientExam"): ("datas",),           # seeds/003 检查信息上传 出参 病例唯一ID
    ("province-cloud", "getdigitalImageUrl"): ("datas",),        # seeds/003 电子胶片URL
    ("province-cloud", "queryFormerlyExam"): ("datas[*].examId", "datas[*].hospitalCode"),  # 出参datas值详情字典表
    ("regional-archive", "authGetToken"): ("result.token",),     # seeds/004 §3.2.2.5
}
_SECTION = re.compile(r"(?:seeds/)?(00[0-4])(\s?§\s?(?:[0-9]+(?:\.[0-9]+)*|[一二三四五六七八九十]+))?")


def _family(name: str) -> Family | None:
    from reference.families import all_families  # the families' clients import this module

    return next((f for f in all_families() if f.name == name and f.contract), None)


@lru_cache(maxsize=256)
def _operation(family: str, operation: str) -> dict[str, Any] | None:
    from reference.transports.http.specs import METHODS

    found = _family(family)
    if found is None:
        return None
    for item in found.spec().get("paths", {}).values():
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict) and op.get("operationId") == operation:
                return op
    return None


#: operations the exchange log names by the seed's service name, not by a contract operationId
SERVICES = {"queryImgCaheFileSn": "seeds/000 §1.3", "queryImgCahe": "seeds/000 §1.4"}


def section(family: str, operation: str) -> str:
    """The seed section an operation implements, as its contract cites it (``seeds/001 §4.1.2``)."""
    if operation in SERVICES:
        return SERVICES[operation]
    op = _operation(family, operation) or {}
    summary = str(op.get("summary") or "")
    for text in (str(op.get("description") or ""), summary):
        match = _SECTION.search(text)
        if match:
            where = (match.group(2) or "").strip() or summary.split(" / ")[0].strip()
            return f"seeds/{match.group(1)} {where}".strip()
    found = _family(family)
    return f"openapi/{found.contract if found else family} {operation}"


def _response(op: dict[str, Any], status: int) -> tuple[str | None, dict[str, Any] | None]:
    responses = op.get("responses") or {}
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            return key, responses[key] or {}
    return None, None


def _base(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def check_reply(family: str, operation: str, response: httpx.Response) -> list[Finding]:
    """Findings about ``response``, the reply of ``family``'s ``operation`` (none when the contract
    does not define the operation: those replies are judged by their caller's own checks)."""
    op = _operation(family, operation)
    if op is None:
        return []
    where: dict[str, Any] = {"operation": operation, "section": section(family, operation)}
    return [replace(f, source=where["section"]) for f in _check(family, op, response, where)]


def _check(family: str, op: dict[str, Any], response: httpx.Response, where: dict[str, Any]) -> list[Finding]:
    operation = where["operation"]
    key, declared = _response(op, response.status_code)
    if declared is None:
        documented = ", ".join(str(k) for k in (op.get("responses") or {}))
        return [RULES.finding("REPLY-STATUS-UNDOCUMENTED", status=response.status_code, documented=documented, **where)]
    content = declared.get("content") or {}
    ctype = response.headers.get("content-type", "")
    media = next((m for m in content if _base(m) == _base(ctype)), None)
    if content and media is None:
        return [RULES.finding("REPLY-MEDIA-TYPE", actual=ctype or "(none)", documented=", ".join(content), **where)]
    if media is None or "json" not in media or len(response.content) > MAX_CHECKED:
        return []
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError) as exc:
        return [RULES.finding("REPLY-NOT-JSON", detail=str(exc)[:200], **where)]
    findings = _schema(content[media].get("schema"), body, where)
    return findings + _family_rules(family, operation, body, response, where)


def _required(validator: Any, required: list[str], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """``required`` of a reply: present and not blank; ``null`` only where the contract says nullable
    (the error envelope's ``"data": null``)."""
    if not isinstance(instance, dict):
        return
    props = schema.get("properties") or {}
    for name in required:
        value = instance.get(name)
        nullable = isinstance(props.get(name), dict) and props[name].get("nullable")
        if name not in instance or value == "" or (value is None and not nullable):
            yield ValidationError(f"{name!r} is a required property")


@lru_cache(maxsize=1)
def _reply_validator_class() -> Any:
    return jsonschema.validators.extend(_validator_class("default"), {"required": _required})


def _compile(schema: dict[str, Any]) -> Any:
    return _reply_validator_class()(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def _schema(schema: dict[str, Any] | None, body: Any, where: dict[str, Any]) -> list[Finding]:
    if not schema:
        return []
    branches = schema.get("oneOf") or schema.get("anyOf") or [schema]
    # one of several envelopes (success, error): judged by the branch it comes closest to
    problems = min((validate(_compile(b), body, "strict") for b in branches), key=len)
    return [RULES.finding("REPLY-SCHEMA", path=p.path, field=p.path or "(body)", inner=p.rule, detail_zh=p.zh,
                          detail_en=p.en, **where) for p in problems]


def _family_rules(family: str, operation: str, body: Any, response: httpx.Response,
                  where: dict[str, Any]) -> list[Finding]:
    if family not in SUCCESS or not isinstance(body, dict):
        return []
    key, success = SUCCESS[family]
    code = body.get(key)
    out = []
    if code not in CODES[family]:
        out.append(RULES.finding("REPLY-CODE-UNDOCUMENTED", path=key, key=key, code=json.dumps(code, ensure_ascii=False),
                                 documented=", ".join(str(c) for c in sorted(CODES[family], key=str)), **where))
    if family == "province-cloud" and response.status_code not in (200, code):
        out.append(RULES.finding("REPLY-STATUS-MISMATCH", status=response.status_code, code=code, **where))
    if code == success:
        for path in OWED.get((family, operation), ()):
            out += [RULES.finding("REPLY-OWED-FIELD", path=p, field=p, key=key, code=success, **where)
                    for p in _missing(body, path)]
    return out


def _missing(doc: Any, path: str) -> list[str]:
    """Concrete paths under ``path`` (dotted, ``[*]`` for each item) whose value is missing or blank."""
    parts = re.findall(r"[^.\[\]]+|\[\*\]", path)
    todo: list[tuple[str, Any, list[str]]] = [("", doc, parts)]
    missing = []
    while todo:
        at, node, rest = todo.pop(0)
        if not rest:
            if node is None or node == "" or node == [] or node == {}:
                missing.append(at)
            continue
        head, tail = rest[0], rest[1:]
        if head == "[*]":
            if isinstance(node, list):
                todo += [(f"{at}[{i}]", item, tail) for i, item in enumerate(node)]
            else:
                missing.append(at)
            continue
        value = node.get(head) if isinstance(node, dict) else None
        todo.append((f"{at}.{head}" if at else head, value, tail if value is not None else []))
    return missing
