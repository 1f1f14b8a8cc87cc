"""Calling a family that speaks the national envelope, as its callers do (a hospital calling the
imaging centre, a centre calling the national index): build the request, judge the reply."""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from reference.config import Config, InstitutionConfig
from reference.rules import RULES, Finding
from reference.validators.codes import make_msgid

_sequence = itertools.count(1)


def envelope(config: Config, inst: InstitutionConfig, operation: str, rows: list[Any], *,
             now: datetime, sequence: int | None = None, node: str = "input") -> dict[str, Any]:
    """A complete request: infno, msgid (code + time + sequence), infTime, infCode, key, rows."""
    seq = sequence if sequence is not None else next(_sequence) % 10000
    return {
        "infno": operation,
        "msgid": make_msgid(inst.code, now, seq),
        "infTime": now.strftime("%Y-%m-%d %H:%M:%S"),
        "infCode": inst.code,
        "key": config.secret_for(inst),
        node: rows,
    }


def judge_reply(response: httpx.Response) -> Sequence[Finding]:
    """The peer's answer: code 0, and no row with succFlag -1."""
    try:
        body = response.json()
    except ValueError as exc:
        return [RULES.finding("HTTP-JSON", detail=str(exc))]
    if not isinstance(body, dict) or body.get("code") != 0:
        message = body.get("message") if isinstance(body, dict) else body
        return [RULES.finding("SIM-PEER-REJECTED", code=body.get("code") if isinstance(body, dict) else None,
                              message=message)]
    return [RULES.finding("SIM-PEER-ROW-REJECTED", index=i, message=row.get("message"))
            for i, row in enumerate(body.get("data") or []) if isinstance(row, dict) and row.get("succFlag") == "-1"]
