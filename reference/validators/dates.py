"""Date and date-time formats used by the seed documents.

Documented formats (format key -> pattern):

* ``DATE``     ``yyyy-MM-dd``           -- 000 §1.1.2 / 002: ``examDate``, ``brdy``, ``diagTime``
* ``DATETIME`` ``yyyy-MM-dd HH:mm:ss``  -- 000/002 ``infTime`` and the "datetime" fields; 003's
  rule column ("YYYY-MM-DD hh:mm:ss") and examples; 004 ``C(19)`` ``YYYY-MM-DD HH24:MI:SS``
* ``DATE8``    ``yyyyMMdd``             -- 000 field 63 ``chkDate`` (String 8); 003 appendix ``D8``
* ``DT15``     ``YYYYMMDDThhmmss``      -- 003 appendix (数据元值的数据类型, GB/T 7408 basic format)
* ``TS14``     ``yyyyMMddHHmmss``       -- 000 ``msgid`` time part; the sample ``hiImgIndx`` time
* ``TS12``     ``YYYYMMDDhhmm``         -- the national ``hiImgIndx`` exam-time part

Recognised for diagnostics only (not documented by any seed, so never "expected"):
``ISO_DATETIME`` ``yyyy-MM-ddTHH:mm:ss`` and ``DATETIME_MIN`` ``yyyy-MM-dd HH:mm``.

Matching is exact: no surrounding whitespace, zero-padded fields, an upper-case ``T``.
Times are naive (the documents use Beijing time without an offset).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Final, NamedTuple

from reference.validators.problems import Problem, problem

__all__ = [
    "FORMATS",
    "DOCUMENTED",
    "PROBLEM_CODES",
    "label",
    "parse",
    "detect",
    "check",
    "format_value",
]

PROBLEM_CODES: Final = ("date_format", "date_invalid")


class _Format(NamedTuple):
    label: str
    regex: re.Pattern[str]
    strptime: str
    has_time: bool


FORMATS: Final[dict[str, _Format]] = {
    "DATE": _Format("yyyy-MM-dd", re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d", False),
    "DATETIME": _Format(
        "yyyy-MM-dd HH:mm:ss",
        re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"),
        "%Y-%m-%d %H:%M:%S",
        True,
    ),
    "DATE8": _Format("yyyyMMdd", re.compile(r"\d{8}"), "%Y%m%d", False),
    "DT15": _Format("YYYYMMDDThhmmss", re.compile(r"\d{8}T\d{6}"), "%Y%m%dT%H%M%S", True),
    "TS14": _Format("yyyyMMddHHmmss", re.compile(r"\d{14}"), "%Y%m%d%H%M%S", True),
    "TS12": _Format("YYYYMMDDhhmm", re.compile(r"\d{12}"), "%Y%m%d%H%M", True),
    "ISO_DATETIME": _Format(
        "yyyy-MM-ddTHH:mm:ss",
        re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"),
        "%Y-%m-%dT%H:%M:%S",
        True,
    ),
    "DATETIME_MIN": _Format(
        "yyyy-MM-dd HH:mm",
        re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"),
        "%Y-%m-%d %H:%M",
        True,
    ),
}

DOCUMENTED: Final = frozenset({"DATE", "DATETIME", "DATE8", "DT15", "TS14", "TS12"})


def _format(fmt: str) -> _Format:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown date format key {fmt!r}; use one of {sorted(FORMATS)}") from None


def label(fmt: str) -> str:
    """The human pattern of format key ``fmt`` (``"DATE"`` -> ``"yyyy-MM-dd"``)."""
    return _format(fmt).label


def _digits_ok(value: str) -> bool:
    """``\\d`` in ``re`` also matches non-ASCII digits; the documents mean ASCII."""
    return value.isascii()


def parse(value: str, fmt: str) -> date | datetime | None:
    """Parse ``value`` in format ``fmt``; ``None`` when the shape or the calendar is wrong.

    Date-only formats return :class:`datetime.date`, the others :class:`datetime.datetime`.
    """
    spec = _format(fmt)
    if not isinstance(value, str) or not _digits_ok(value) or not spec.regex.fullmatch(value):
        return None
    try:
        parsed = _fields(value)
    except ValueError:
        return None
    return parsed if spec.has_time else parsed.date()


_SEPARATORS = str.maketrans("", "", "-: T")


def _fields(value: str) -> datetime:
    """A value of a format's shape (fixed-width ASCII digits between fixed separators) as what
    ``strptime`` with the format's pattern makes of it, without its per-call regex machinery (~15 µs a
    call; a saved index row parses eight dates, issue 12): the digits are year, month, day and then
    hour, minute, second, each zero-padded, so ``strptime`` accepts exactly the values ``datetime``
    accepts (tested against it); ``ValueError`` otherwise."""
    d = value.translate(_SEPARATORS)
    return datetime(int(d[0:4]), int(d[4:6]), int(d[6:8]), int(d[8:10] or 0), int(d[10:12] or 0), int(d[12:14] or 0))


def detect(value: str) -> str | None:
    """The format key whose *shape* ``value`` has (calendar validity is not checked)."""
    if not isinstance(value, str) or not _digits_ok(value):
        return None
    for key, spec in FORMATS.items():
        if spec.regex.fullmatch(value):
            return key
    return None


def check(value: str, fmt: str) -> list[Problem]:
    """Check that ``value`` is a real date/time written in format ``fmt``.

    * ``date_format`` -- wrong shape: ``{"expected": label, "expected_format": fmt,
      "actual_format": detected key or None, "actual": value}``; a message can then say
      "a date (yyyy-MM-dd) was given where yyyy-MM-dd HH:mm:ss is expected".
    * ``date_invalid`` -- right shape, impossible calendar value (``2023-02-30``):
      ``{"expected": label, "expected_format": fmt, "actual": value}``.
    """
    spec = _format(fmt)
    detected = detect(value)
    if detected != fmt:  # the shapes are mutually exclusive, so this is exact
        return [
            problem(
                "date_format",
                expected=spec.label,
                expected_format=fmt,
                actual_format=detected,
                actual=value,
            )
        ]
    if parse(value, fmt) is None:
        return [problem("date_invalid", expected=spec.label, expected_format=fmt, actual=value)]
    return []


def format_value(value: date | datetime, fmt: str) -> str:
    """Render ``value`` in format ``fmt`` (the inverse of :func:`parse`)."""
    return value.strftime(_format(fmt).strptime)
