"""Documented date formats (000/002 field tables, 003 appendix)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from reference.validators import dates
from reference.validators.problems import Problem


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        ("2023-04-02", "DATE", date(2023, 4, 2)),
        ("2025-03-03 01:00:00", "DATETIME", datetime(2025, 3, 3, 1, 0, 0)),
        ("20230401", "DATE8", date(2023, 4, 1)),
        ("20100105T081009", "DT15", datetime(2010, 1, 5, 8, 10, 9)),
        ("20250301010203", "TS14", datetime(2025, 3, 1, 1, 2, 3)),
        ("202411221430", "TS12", datetime(2024, 11, 22, 14, 30)),
        ("2022-11-14T15:05:05", "ISO_DATETIME", datetime(2022, 11, 14, 15, 5, 5)),
        ("2024-02-29", "DATE", date(2024, 2, 29)),
    ],
)
def test_parse(value: str, fmt: str, expected: date) -> None:
    assert dates.parse(value, fmt) == expected
    assert type(dates.parse(value, fmt)) is type(expected)
    assert dates.detect(value) == fmt
    assert dates.check(value, fmt) == []
    assert dates.format_value(expected, fmt) == value


@pytest.mark.parametrize(
    ("value", "fmt"),
    [
        ("2023-02-29", "DATE"),
        ("2023-13-01", "DATE"),
        ("2025-03-03 24:00:00", "DATETIME"),
        ("20230230", "DATE8"),
        ("20100105T086009", "DT15"),
        ("20251301010203", "TS14"),
    ],
)
def test_impossible_calendar_values(value: str, fmt: str) -> None:
    assert dates.parse(value, fmt) is None
    assert dates.check(value, fmt) == [
        Problem("date_invalid", {"expected": dates.label(fmt), "expected_format": fmt, "actual": value})
    ]


@pytest.mark.parametrize(
    ("value", "fmt", "actual_format"),
    [
        ("2023-04-01", "DATETIME", "DATE"),  # 000 sample appyDate/rptDate: date where datetime is due
        ("20230401", "DATETIME", "DATE8"),  # 000 sample chkDate vs 002's datetime chkDate
        ("2022-11-14 15:05:05", "DT15", "DATETIME"),  # 003 examples vs its DT15 declaration
        ("20220123082532", "DT15", "TS14"),  # 003 savePatientExam sample auditDatetime
        ("2025-03-03 01:00:00", "DATE", "DATETIME"),
        ("2022-11-14T15:05:05", "DATETIME", "ISO_DATETIME"),
        ("2022-11-14 15:05", "DATETIME", "DATETIME_MIN"),
        ("20100105TO81009", "DT15", None),  # 003 appendix example: letter O for zero
        ("2023 - 04 - 01", "DATE", None),  # 002 sample after extraction
        ("2025-03-03 01: 00: 00", "DATETIME", None),  # 002 sample infTime
        ("2023-4-2", "DATE", None),
        (" 2023-04-02", "DATE", None),
        ("２０２３-04-02", "DATE", None),  # full-width digits
        ("", "DATE", None),
    ],
)
def test_wrong_format(value: str, fmt: str, actual_format: str | None) -> None:
    assert dates.parse(value, fmt) is None
    assert dates.detect(value) == actual_format
    assert dates.check(value, fmt) == [
        Problem(
            "date_format",
            {"expected": dates.label(fmt), "expected_format": fmt, "actual_format": actual_format, "actual": value},
        )
    ]


def test_non_string() -> None:
    assert dates.parse(20230401, "DATE8") is None  # type: ignore[arg-type]
    assert dates.detect(None) is None  # type: ignore[arg-type]
    assert [p.code for p in dates.check(None, "DATE")] == ["date_format"]  # type: ignore[arg-type]


def test_labels_and_documented_formats() -> None:
    assert dates.label("DATE") == "yyyy-MM-dd"
    assert dates.label("DATETIME") == "yyyy-MM-dd HH:mm:ss"
    assert dates.label("DT15") == "YYYYMMDDThhmmss"
    assert set(dates.FORMATS) >= dates.DOCUMENTED
    assert "ISO_DATETIME" not in dates.DOCUMENTED


def test_unknown_format_key() -> None:
    with pytest.raises(ValueError):
        dates.parse("2023-04-02", "yyyy-MM-dd")


def test_problem_codes_listed() -> None:
    assert set(dates.PROBLEM_CODES) == {"date_format", "date_invalid"}


def test_parse_agrees_with_strptime() -> None:
    """``parse`` reads the digits itself (issue 12); it must accept and read exactly what ``strptime``
    with the format's pattern does, calendar and clock edges included."""
    import itertools
    from datetime import datetime

    from reference.validators.dates import FORMATS, parse

    parts = {"Y": ["0000", "0001", "1999", "2024", "2023", "9999"], "m": ["00", "01", "02", "12", "13", "19"],
             "d": ["00", "01", "28", "29", "30", "31", "32"], "H": ["00", "23", "24"], "M": ["00", "59", "60"],
             "S": ["00", "59", "60", "61"]}
    for key, spec in FORMATS.items():
        fields = [f for f in "YmdHMS" if f"%{f}" in spec.strptime]
        for combo in itertools.product(*(parts[f] for f in fields)):
            value = spec.strptime
            for f, v in zip(fields, combo, strict=True):
                value = value.replace(f"%{f}", v)
            try:
                parsed = datetime.strptime(value, spec.strptime)
                expected = parsed if spec.has_time else parsed.date()
            except ValueError:
                expected = None
            assert parse(value, key) == expected, (key, value)
