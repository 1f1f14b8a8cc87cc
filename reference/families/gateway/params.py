"""The gateway's query parameters, read from the raw query string so that everything 001's
callers get wrong can be named (``openapi/gateway.yaml``, "Query parameters").

- ``parse``: ``k=v&k=v`` into decoded values, with 001 §4.4.3.1's ``$XX`` escapes ("encodeURI编码，
  并将其中的百分号替换为$") when asked, every bad escape named with its position in the string;
- ``inspect``: the values against the operation's schema in the contract (``QrParams``,
  ``HrballParams``, ``SwipingParams``): known drift (``hospitalld``, stray spaces), unknown keys,
  lengths, dictionaries — every finding, with all missing parameters in one GW-PARAM-MISSING
  that also shows what was received, decoded.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from reference.config import Config, ValidationMode
from reference.resources import contract
from reference.rules import RULES, Finding
from reference.transports.http.specs import resolved_spec
from reference.validation import inspect_body

MAX_QUERY = 8192
HEX = frozenset("0123456789abcdefABCDEF")
#: values shown as what they are, never as themselves, in messages
SECRET_FIELDS = frozenset({"doctorIdCardNo", "idCardNo"})
ALIASES = {"hospitalld": "hospitalId"}


@dataclass
class Parsed:
    values: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


@cache
def schema(name: str) -> dict[str, Any]:
    """A parameter schema of the gateway's contract (``components/schemas/<name>``)."""
    return resolved_spec(contract("gateway.yaml"))["components"]["schemas"][name]


def _decode(raw: str, start: int, name: str, dollar: bool) -> tuple[str, list[Finding], set[str]]:
    """``raw`` (at 1-based ``start`` in the whole string) decoded; findings; how it was encoded
    (``dollar``, ``percent``, ``raw`` for characters sent as they are)."""
    out, positions, findings, how = bytearray(), [], [], set()
    i = 0
    while i < len(raw):
        c = raw[i]
        pair = raw[i + 1:i + 3]
        if (c == "%" or (dollar and c == "$")) and len(pair) == 2 and set(pair) <= HEX:
            out.append(int(pair, 16))
            positions.append(start + i)
            how.add("dollar" if c == "$" else "percent")
            i += 3
            continue
        if dollar and c == "$":
            findings.append(RULES.finding("GW-DOLLAR-ESCAPE", path=name, field=name, position=start + i,
                                          snippet=raw[i:i + 3]))
            i += 1
            continue
        data = c.encode("utf-8")
        if not c.isascii():
            how.add("raw")
        out.extend(data)
        positions.extend([start + i] * len(data))
        i += 1
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = out.decode("utf-8", errors="replace")
        if not findings:  # a bad escape already explains the broken bytes
            position = positions[exc.start] if exc.start < len(positions) else start
            findings.append(RULES.finding("GW-DOLLAR-UTF8", path=name, field=name, position=position,
                                          snippet=raw[max(0, position - start):position - start + 9]))
    return text, findings, how


def parse(query: str, *, dollar: bool = False) -> Parsed:
    """The parameter string (no leading ``?``), decoded.  With ``dollar``, ``$XX`` escapes are
    001's; a value sent ``%``-encoded or raw is accepted with a warning naming how."""
    parsed = Parsed()
    if len(query.encode("utf-8")) > MAX_QUERY:
        parsed.findings.append(RULES.finding("GW-QUERY-TOO-LONG", size=len(query.encode("utf-8")), limit=MAX_QUERY))
        return parsed
    position = 1
    for part in query.split("&"):
        key_raw, has_value, value_raw = part.partition("=")
        key, problems, _ = _decode(key_raw, position, key_raw.strip() or "(key)", dollar)
        parsed.findings += problems
        value, problems, how = _decode(value_raw, position + len(key_raw) + 1, key.strip() or "(value)", dollar)
        parsed.findings += problems
        if key.strip() or has_value:
            parsed.values[key] = value
        if dollar and not value.isascii() and how & {"percent", "raw"} and not problems:
            sent = "%" if "percent" in how else "raw"
            parsed.findings.append(RULES.finding(
                "GW-HRBALL-ENCODING", path=key.strip(), field=key.strip(), value=value,
                how="“%”编码（未替换为“$”）" if sent == "%" else "未编码的中文",
                how_en="%-encoded (the % not replaced by $)" if sent == "%" else "unencoded"))
        position += len(part) + 1
    return parsed


def shown(values: dict[str, Any]) -> str:
    """What was received, for a message: decoded values, secrets as their length only."""
    items = []
    for key, value in values.items():
        text = str(value)
        if key.strip() in SECRET_FIELDS:
            text = f"（密文 {len(text)} 字符 / ciphertext, {len(text)} chars）"
        elif len(text) > 40:
            text = text[:40] + "…"
        items.append(f"{key.strip()}={text}")
    return "，".join(items) or "（无 / nothing）"


def institution(values: dict[str, str]) -> str | None:
    """The hospital a request names (hospitalId, or the drift spelling), before inspection."""
    for key, value in values.items():
        if ALIASES.get(key.strip(), key.strip()) == "hospitalId" and value.strip():
            return value.strip()
    return None


def inspect(values: dict[str, Any], schema_name: str, *, operation: str, mode: ValidationMode,
            required: Iterable[str] | None = None, extra: Iterable[Finding] = ()) -> tuple[dict[str, Any], list[Finding]]:
    """The values as the operation's schema reads them, and every finding.  ``required``
    overrides the schema's list (hrball's logout needs fewer)."""
    received = dict(values)
    report = inspect_body(dict(values), schema(schema_name), operation=operation, mode=mode)
    body: dict[str, Any] = report.body if isinstance(report.body, dict) else {}
    return body, [*extra, *one_missing(report.findings, body, schema_name, received, required)]


def one_missing(findings: list[Finding], body: dict[str, Any], schema_name: str, received: dict[str, Any],
                required: Iterable[str] | None = None) -> list[Finding]:
    """The schema's per-field SCHEMA-REQUIRED findings as one GW-PARAM-MISSING naming them all and
    what was received (001's 202: 传参数不规范（少传参数）)."""
    declared = schema(schema_name).get("required", ())
    wanted = set(declared) if required is None else set(required)
    names = {str(f.params.get("field")) for f in findings if f.rule == "SCHEMA-REQUIRED"} & wanted
    names |= {n for n in wanted if n not in declared and not body.get(n)}
    rest = [f for f in findings if f.rule != "SCHEMA-REQUIRED"]
    if not names:
        return rest
    ordered = [n for n in schema(schema_name)["properties"] if n in names]
    return [RULES.finding("GW-PARAM-MISSING", fields="、".join(ordered), received=shown(received)), *rest]


def mode_for(config: Config, values: dict[str, str]) -> ValidationMode:
    return config.mode_for(institution(values))
