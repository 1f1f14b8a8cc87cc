"""The imaging-cloud index number ``hiImgIndx`` (000 §1.1.2 field 1, String 100).

The seeds say only that the NHSA sets the coding rule.  Two layouts are accepted
(INTERFACES.md, "Codes and identifiers to validate"), both ``-``-separated:

NATIONAL (the published rule), 5 parts, 82 characters::

    {person code: 26 digits}-{exam time: YYYYMMDDhhmm}-{body part: 9 upper-case
    letters/digits (WS/T 364.8-2023)}-{device code: 13 upper-case letters/digits}-
    {USCC of the storing unit: 18}

SAMPLE (the layout of the seeds' examples; a known variant, accepted with the
warning ``hiimgindx_sample_layout``), 6 parts::

    {certType: 1-6 upper-case letters/digits}-{certno: 1-50 letters, digits or
    parentheses}-{exam time: yyyyMMddHHmmss}-{13 upper-case letters/digits}-
    {9 upper-case letters/digits}-{USCC: 18}

e.g. ``111-110101197804050038-20241122143000-0000000000000-000000000-123502004266007980``
(000 §1.1.2 (7)).  Our reading of the sample: the 13-character part is the device
code and the 9-character part the body-part code (as in the national layout, by
length; the sample lists them in the opposite order).

What is accepted is exact: no whitespace anywhere (002's sample contains a line break
and a 12-zero part, so it is rejected), upper-case letters in the code parts, and the
USCC part must be 18 characters of the GB 32100 set (its check character is verified
by :func:`check`, not by :func:`parse`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from reference.validators import dates
from reference.validators import uscc as uscc_mod
from reference.validators.problems import Problem, problem

__all__ = [
    "HiImgIndx",
    "Layout",
    "PROBLEM_CODES",
    "parse",
    "check",
    "check_against_row",
    "make_national",
    "make_sample",
]

PROBLEM_CODES: Final = (
    "hiimgindx_empty",
    "hiimgindx_whitespace",
    "hiimgindx_layout",
    "hiimgindx_part",
    "hiimgindx_sample_layout",
    "hiimgindx_uscc_check_char",
    "hiimgindx_exam_date_mismatch",
    "hiimgindx_uscc_mismatch",
    "hiimgindx_cert_type_mismatch",
    "hiimgindx_certno_mismatch",
    "hiimgindx_body_part_mismatch",
)

Layout = Literal["national", "sample"]

_CODE9 = re.compile(r"[0-9A-Z]{9}")
_CODE13 = re.compile(r"[0-9A-Z]{13}")
_PERSON = re.compile(r"[0-9]{26}")
_CERT_TYPE = re.compile(r"[0-9A-Z]{1,6}")
_CERTNO = re.compile(r"[0-9A-Za-z()]{1,50}")
_WHITESPACE = re.compile(r"\s")


@dataclass(frozen=True)
class _Part:
    name: str
    expected: str
    valid: Callable[[str], bool]


def _regex(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda text: text.isascii() and pattern.fullmatch(text) is not None


def _time(fmt: str) -> Callable[[str], bool]:
    return lambda text: dates.parse(text, fmt) is not None


_NATIONAL: Final = (
    _Part("person_code", "26 digits", _regex(_PERSON)),
    _Part("exam_time", "YYYYMMDDhhmm", _time("TS12")),
    _Part("body_part", "9 upper-case letters or digits", _regex(_CODE9)),
    _Part("device", "13 upper-case letters or digits", _regex(_CODE13)),
    _Part("uscc", "18 characters of GB 32100", uscc_mod.is_shaped),
)

_SAMPLE: Final = (
    _Part("cert_type", "1-6 upper-case letters or digits", _regex(_CERT_TYPE)),
    _Part("certno", "1-50 letters, digits or parentheses", _regex(_CERTNO)),
    _Part("exam_time", "yyyyMMddHHmmss", _time("TS14")),
    _Part("device", "13 upper-case letters or digits", _regex(_CODE13)),
    _Part("body_part", "9 upper-case letters or digits", _regex(_CODE9)),
    _Part("uscc", "18 characters of GB 32100", uscc_mod.is_shaped),
)

_LAYOUTS: Final[dict[int, tuple[Layout, tuple[_Part, ...]]]] = {
    5: ("national", _NATIONAL),
    6: ("sample", _SAMPLE),
}


@dataclass(frozen=True)
class HiImgIndx:
    """A structurally valid index number.

    ``person_code`` is set for the national layout, ``cert_type``/``certno`` for the
    sample layout.  ``str(index)`` gives the index number back.
    """

    layout: Layout
    exam_time: datetime
    body_part: str
    device: str
    uscc: str
    person_code: str | None = None
    cert_type: str | None = None
    certno: str | None = None

    def __str__(self) -> str:
        if self.layout == "national":
            return "-".join(
                (
                    self.person_code or "",
                    f"{self.exam_time:%Y%m%d%H%M}",
                    self.body_part,
                    self.device,
                    self.uscc,
                )
            )
        return "-".join(
            (
                self.cert_type or "",
                self.certno or "",
                f"{self.exam_time:%Y%m%d%H%M%S}",
                self.device,
                self.body_part,
                self.uscc,
            )
        )


def _bad_parts(layout: Layout, parts: list[str], spec: tuple[_Part, ...]) -> list[Problem]:
    return [
        problem(
            "hiimgindx_part",
            layout=layout,
            part=part.name,
            index=index,
            expected=part.expected,
            actual=text,
        )
        for index, (part, text) in enumerate(zip(spec, parts, strict=True), start=1)
        if not part.valid(text)
    ]


def _build(layout: Layout, parts: list[str]) -> HiImgIndx:
    if layout == "national":
        person, stamp, body, device, code = parts
        return HiImgIndx("national", _stamp(stamp, "TS12"), body, device, code, person_code=person)
    cert_type, certno, stamp, device, body, code = parts
    return HiImgIndx(
        "sample", _stamp(stamp, "TS14"), body, device, code, cert_type=cert_type, certno=certno
    )


def _stamp(text: str, fmt: str) -> datetime:
    parsed = dates.parse(text, fmt)
    assert isinstance(parsed, datetime)
    return parsed


def parse(value: str) -> HiImgIndx | None:
    """Parse either layout; ``None`` unless every part has its exact shape."""
    if not isinstance(value, str) or _WHITESPACE.search(value):
        return None
    parts = value.split("-")
    if len(parts) not in _LAYOUTS:
        return None
    layout, spec = _LAYOUTS[len(parts)]
    if _bad_parts(layout, parts, spec):
        return None
    return _build(layout, parts)


def _shape_problems(value: str) -> list[Problem]:
    parts = value.split("-")
    if len(parts) not in _LAYOUTS:
        return [problem("hiimgindx_layout", parts=len(parts), expected="5 (national) or 6 (sample)")]
    layout, spec = _LAYOUTS[len(parts)]
    problems = [problem("hiimgindx_sample_layout")] if layout == "sample" else []
    problems += _bad_parts(layout, parts, spec)
    if uscc_mod.is_shaped(parts[-1]):
        problems += _uscc_problems(parts[-1])
    return problems


def _uscc_problems(code: str) -> list[Problem]:
    expected = uscc_mod.check_char(code[:17])
    if expected == code[17]:
        return []
    return [problem("hiimgindx_uscc_check_char", expected=expected, actual=code[17], uscc=code)]


def check(value: str) -> list[Problem]:
    """Validate an index number in either layout.

    * ``hiimgindx_empty`` ``{}``
    * ``hiimgindx_whitespace`` ``{"position": <1-based>}`` -- whitespace or a line break;
      the rest of the diagnosis is made on the value with whitespace removed
    * ``hiimgindx_layout`` ``{"parts": n, "expected": "5 (national) or 6 (sample)"}``
    * ``hiimgindx_sample_layout`` ``{}`` -- the seeds' sample layout (warning)
    * ``hiimgindx_part`` ``{"layout", "part", "index", "expected", "actual"}``, ``part`` one
      of person_code, cert_type, certno, exam_time, body_part, device, uscc
    * ``hiimgindx_uscc_check_char`` ``{"expected", "actual", "uscc"}``
    """
    if not isinstance(value, str) or value == "":
        return [problem("hiimgindx_empty")]
    problems: list[Problem] = []
    blank = _WHITESPACE.search(value)
    if blank is not None:
        problems.append(problem("hiimgindx_whitespace", position=blank.start() + 1))
        value = _WHITESPACE.sub("", value)
    return problems + _shape_problems(value)


def _text(row: Mapping[str, object], key: str) -> str | None:
    value = row.get(key)
    return value if isinstance(value, str) and value != "" else None


def _date_problems(index: HiImgIndx, row: Mapping[str, object]) -> list[Problem]:
    exam_date = dates.parse(_text(row, "examDate") or "", "DATE")
    if exam_date is None or exam_date == index.exam_time.date():
        return []
    return [
        problem(
            "hiimgindx_exam_date_mismatch",
            index_date=index.exam_time.date().isoformat(),
            examDate=exam_date.isoformat(),
        )
    ]


def _uscc_row_problems(index: HiImgIndx, row: Mapping[str, object]) -> list[Problem]:
    stored = _text(row, "stogInsUscc")
    if stored is None or stored.upper() == index.uscc:
        return []
    return [problem("hiimgindx_uscc_mismatch", index_uscc=index.uscc, stogInsUscc=stored)]


def _sample_problems(index: HiImgIndx, row: Mapping[str, object]) -> list[Problem]:
    problems: list[Problem] = []
    cert_type, certno = _text(row, "psnCertType"), _text(row, "certno")
    if cert_type is not None and cert_type != index.cert_type:
        problems.append(
            problem("hiimgindx_cert_type_mismatch", index_cert_type=index.cert_type, psnCertType=cert_type)
        )
    if certno is not None and certno.upper() != (index.certno or "").upper():
        problems.append(problem("hiimgindx_certno_mismatch", index_certno=index.certno, certno=certno))
    return problems


def _national_problems(index: HiImgIndx, row: Mapping[str, object]) -> list[Problem]:
    exam_part = _text(row, "examPart")
    if exam_part is None:
        return []
    codes = [code.strip() for code in exam_part.split("|")]
    if index.body_part in codes:
        return []
    return [problem("hiimgindx_body_part_mismatch", index_body_part=index.body_part, examPart=exam_part)]


def check_against_row(parsed: HiImgIndx, row: Mapping[str, object]) -> list[Problem]:
    """Compare the index's parts with the row it names (field names as in 000 §1.1.2).

    Fields that are absent, empty or (for ``examDate``) not ``yyyy-MM-dd`` are skipped:
    their own validators report them.  Certificate numbers and USCCs compare
    case-insensitively.  The caller normalises drifted keys (``stogInsUsc`` ...) first.

    * ``hiimgindx_exam_date_mismatch`` ``{"index_date": iso, "examDate": iso}``
    * ``hiimgindx_uscc_mismatch`` ``{"index_uscc", "stogInsUscc"}``
    * sample layout: ``hiimgindx_cert_type_mismatch`` ``{"index_cert_type", "psnCertType"}``,
      ``hiimgindx_certno_mismatch`` ``{"index_certno", "certno"}``
    * national layout: ``hiimgindx_body_part_mismatch`` ``{"index_body_part", "examPart"}``
      (``examPart`` may list several codes joined by ``|``)
    """
    problems = _date_problems(parsed, row) + _uscc_row_problems(parsed, row)
    if parsed.layout == "sample":
        return problems + _sample_problems(parsed, row)
    return problems + _national_problems(parsed, row)


def _require(spec: tuple[_Part, ...], parts: list[str]) -> str:
    bad = [part.name for part, text in zip(spec, parts, strict=True) if not part.valid(text)]
    if bad:
        raise ValueError(f"malformed hiImgIndx part(s): {', '.join(bad)}")
    return "-".join(parts)


def make_national(
    person_code: str, exam_time: datetime, body_part: str, device: str, uscc: str
) -> str:
    """Build a national-layout index (shapes are enforced; the USCC check is not)."""
    return _require(_NATIONAL, [person_code, f"{exam_time:%Y%m%d%H%M}", body_part, device, uscc])


def make_sample(
    cert_type: str,
    certno: str,
    exam_time: datetime,
    uscc: str,
    *,
    device: str = "0" * 13,
    body_part: str = "0" * 9,
) -> str:
    """Build a sample-layout index as in the seeds (zeros for device and body part)."""
    stamp = f"{exam_time:%Y%m%d%H%M%S}"
    return _require(_SAMPLE, [cert_type, certno, stamp, device, body_part, uscc])
