"""Rewrite a row into another table's names and documented formats.

The imaging centre receives 002 §二 rows (``postcode``, ``rpotDate``, datetimes) and
registers them with the province in the names and formats of the province's table for
its profile (000: ``poscode``, ``rptDate``, ``chkDate`` yyyyMMdd, ``diagTime`` a date).
The target schema says how: its property names, its aliases (another table's name for
the same field) and its ``x-imgcloud-format``.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from reference.validators import dates


def _reformat(value: Any, fmt: str | None) -> Any:
    if not fmt or not isinstance(value, str) or not value:
        return value
    actual = dates.detect(value)
    if actual is None or actual == fmt:
        return value
    parsed = dates.parse(value, actual)
    if parsed is None:
        return value
    wants_time = dates.parse(dates.format_value(datetime(2000, 1, 2, 3, 4, 5), fmt), fmt)
    if isinstance(wants_time, datetime) and not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, time())
    elif not isinstance(wants_time, datetime) and isinstance(parsed, datetime):
        parsed = parsed.date()
    assert isinstance(parsed, date)
    return dates.format_value(parsed, fmt)


def conform(row: Mapping[str, Any], target: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` as ``target`` (a row schema) names and formats it; fields it lacks are dropped."""
    aliases: Mapping[str, str] = target.get("x-imgcloud-aliases", {})
    out: dict[str, Any] = {}
    for prop, sub in target["properties"].items():
        sources = [prop, *(k for k, v in aliases.items() if v == prop)]
        key = next((k for k in sources if k in row), None)
        if key is not None:
            out[prop] = _reformat(row[key], sub.get("x-imgcloud-format"))
    return out
