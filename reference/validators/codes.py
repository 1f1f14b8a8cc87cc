"""Short identifiers of the national index interface (000 §1.1.2, 002).

* Designated medical-institution code (定点医药机构代码, ``fixmedinsCode``), **our
  reading** of the NHSA national coding (the seeds only show the sample
  ``H11010202321``): 12 characters = one upper-case letter for the kind (``H``
  medical institution / hospital, ``P`` retail pharmacy; other letters are
  reported as unknown kinds) + the 6-digit medical-insurance division code
  (``admdvs``) of the institution + a 5-digit serial.
* Medical-insurance administrative division (医保区划, ``examAdmdvs``): 6 digits whose
  first two are a GB/T 2260 province code.
* ``msgid``: institution code (12) + ``yyyyMMddHHmmss`` (14) + sequence (4) = 30
  characters (000 §1.1.2 (4) field 2).
* Telephone numbers (``tel``): a mainland mobile number or a landline with area code.
* Postcodes (``poscode``/``postcode``): 6 digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from reference.validators import dates
from reference.validators.problems import Problem, problem

__all__ = [
    "PROBLEM_CODES",
    "MEDINS_KINDS",
    "PROVINCES",
    "Msgid",
    "check_medins_code",
    "medins_admdvs",
    "check_admdvs",
    "parse_msgid",
    "check_msgid",
    "make_msgid",
    "check_phone",
    "check_postcode",
]

PROBLEM_CODES: Final = (
    "medins_code_length",
    "medins_code_kind",
    "medins_code_kind_unknown",
    "medins_code_admdvs",
    "medins_code_serial",
    "admdvs_format",
    "admdvs_province",
    "msgid_length",
    "msgid_institution",
    "msgid_time",
    "msgid_sequence",
    "msgid_time_future",
    "msgid_time_stale",
    "msgid_prefix_mismatch",
    "phone_format",
    "postcode_format",
)

MEDINS_KINDS: Final = {"H": "医疗机构", "P": "零售药店"}

# First two digits of GB/T 2260 division codes (provinces, 71 Taiwan, 81 HK, 82 Macao).
PROVINCES: Final = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)

MSGID_LENGTH: Final = 30
DEFAULT_MAX_AHEAD: Final = timedelta(minutes=10)
DEFAULT_MAX_SKEW: Final = timedelta(days=1)

_UPPER_ALNUM = re.compile(r"[0-9A-Z]+")
_MOBILE = re.compile(r"(?:\+?86[- ]?)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"(?:0\d{2,3}-?|\(0\d{2,3}\))\d{7,8}(?:-\d{1,6})?")


def _digits(text: str, length: int) -> bool:
    return len(text) == length and text.isascii() and text.isdigit()


# --- (a) designated medical-institution code ---------------------------------


def check_medins_code(value: str) -> list[Problem]:
    """Validate a 12-character institution code (our reading, see the module docstring).

    * ``medins_code_length`` ``{"expected": 12, "actual": <length>}``
    * ``medins_code_kind`` ``{"actual": c}`` -- first character not an upper-case letter
    * ``medins_code_kind_unknown`` ``{"actual": c}`` -- a letter other than H / P (warning)
    * ``medins_code_admdvs`` ``{"actual": "..."}`` -- characters 2-7 not a valid admdvs
    * ``medins_code_serial`` ``{"actual": "..."}`` -- characters 8-12 not 5 digits
    """
    if not isinstance(value, str) or len(value) != 12:
        return [problem("medins_code_length", expected=12, actual=_len(value))]
    problems: list[Problem] = []
    kind = value[0]
    if not ("A" <= kind <= "Z"):
        problems.append(problem("medins_code_kind", actual=kind))
    elif kind not in MEDINS_KINDS:
        problems.append(problem("medins_code_kind_unknown", actual=kind))
    if check_admdvs(value[1:7]):
        problems.append(problem("medins_code_admdvs", actual=value[1:7]))
    if not _digits(value[7:], 5):
        problems.append(problem("medins_code_serial", actual=value[7:]))
    return problems


def medins_admdvs(value: str) -> str | None:
    """The admdvs embedded in an institution code, or ``None`` if the code is malformed."""
    if not isinstance(value, str) or len(value) != 12 or not ("A" <= value[0] <= "Z"):
        return None
    admdvs = value[1:7]
    return admdvs if _digits(admdvs, 6) and _digits(value[7:], 5) else None


def _len(value: object) -> int:
    return len(value) if isinstance(value, str) else 0


# --- (b) admdvs -----------------------------------------------------------------


def check_admdvs(value: str) -> list[Problem]:
    """Validate a 6-digit medical-insurance division code (``examAdmdvs``, 000 field 8).

    * ``admdvs_format`` ``{"actual": value}`` -- not 6 ASCII digits
    * ``admdvs_province`` ``{"actual": value, "province": "10"}`` -- unknown province
    """
    if not isinstance(value, str) or not _digits(value, 6):
        return [problem("admdvs_format", actual=value)]
    if value[:2] not in PROVINCES:
        return [problem("admdvs_province", actual=value, province=value[:2])]
    return []


# --- (c) msgid --------------------------------------------------------------------


@dataclass(frozen=True)
class Msgid:
    """A parsed ``msgid``: sender institution, message time, 4-digit sequence."""

    institution: str
    time: datetime
    sequence: int

    def __str__(self) -> str:
        return f"{self.institution}{self.time:%Y%m%d%H%M%S}{self.sequence:04d}"


def parse_msgid(value: str) -> Msgid | None:
    """Split a 30-character ``msgid``; ``None`` when any part is malformed."""
    if not isinstance(value, str) or len(value) != MSGID_LENGTH:
        return None
    institution, stamp, sequence = value[:12], value[12:26], value[26:]
    time = dates.parse(stamp, "TS14")
    if not _UPPER_ALNUM.fullmatch(institution) or time is None or not _digits(sequence, 4):
        return None
    assert isinstance(time, datetime)
    return Msgid(institution, time, int(sequence))


def make_msgid(institution: str, time: datetime, sequence: int) -> str:
    """Build a ``msgid`` (for the data generator and the simulated senders)."""
    if len(institution) != 12 or not _UPPER_ALNUM.fullmatch(institution):
        raise ValueError("institution must be 12 upper-case letters or digits")
    if not 0 <= sequence <= 9999:
        raise ValueError("sequence must be in 0..9999")
    return str(Msgid(institution, time.replace(microsecond=0), sequence))


def _msgid_part_problems(value: str) -> list[Problem]:
    institution, stamp, sequence = value[:12], value[12:26], value[26:]
    problems: list[Problem] = []
    if not _UPPER_ALNUM.fullmatch(institution):
        problems.append(problem("msgid_institution", actual=institution))
    if dates.parse(stamp, "TS14") is None:
        problems.append(problem("msgid_time", expected="yyyyMMddHHmmss", actual=stamp))
    if not _digits(sequence, 4):
        problems.append(problem("msgid_sequence", actual=sequence))
    return problems


def _msgid_time_problems(
    time: datetime, now: datetime, max_ahead: timedelta, max_skew: timedelta
) -> list[Problem]:
    if time > now + max_ahead:
        return [
            problem(
                "msgid_time_future",
                time=time.isoformat(sep=" "),
                now=now.isoformat(sep=" "),
                max_ahead_seconds=int(max_ahead.total_seconds()),
            )
        ]
    if time < now - max_skew:
        return [
            problem(
                "msgid_time_stale",
                time=time.isoformat(sep=" "),
                now=now.isoformat(sep=" "),
                max_age_seconds=int(max_skew.total_seconds()),
            )
        ]
    return []


def check_msgid(
    value: str,
    *,
    inf_code: str | None,
    now: datetime,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    max_ahead: timedelta = DEFAULT_MAX_AHEAD,
) -> list[Problem]:
    """Validate a ``msgid`` against the envelope's ``infCode`` and the receiver's clock.

    ``now`` is the receiver's time (or the envelope's ``infTime``); the message time
    may be at most ``max_ahead`` later (clock drift) and at most ``max_skew`` earlier.

    * ``msgid_length`` ``{"expected": 30, "actual": <length>}``
    * ``msgid_institution`` ``{"actual": "..."}`` -- first 12 not upper-case letters/digits
    * ``msgid_time`` ``{"expected": "yyyyMMddHHmmss", "actual": "..."}``
    * ``msgid_sequence`` ``{"actual": "..."}`` -- last 4 not digits
    * ``msgid_time_future`` ``{"time", "now", "max_ahead_seconds"}``
    * ``msgid_time_stale`` ``{"time", "now", "max_age_seconds"}``
    * ``msgid_prefix_mismatch`` ``{"prefix": "H11010202321", "inf_code": "S255151515"}``
    """
    if not isinstance(value, str) or len(value) != MSGID_LENGTH:
        return [problem("msgid_length", expected=MSGID_LENGTH, actual=_len(value))]
    problems = _msgid_part_problems(value)
    parsed = parse_msgid(value)
    if parsed is not None:
        problems += _msgid_time_problems(parsed.time, now, max_ahead, max_skew)
    if inf_code is not None and value[:12] != inf_code:
        problems.append(problem("msgid_prefix_mismatch", prefix=value[:12], inf_code=inf_code))
    return problems


# --- (d) phone, (e) postcode --------------------------------------------------


def check_phone(value: str) -> list[Problem]:
    """Validate ``tel``: empty, a mobile ``1[3-9]`` + 9 digits (optional ``+86``), or a
    landline with area code ``0xx(x)-xxxxxxx(x)`` (hyphen optional, area code may be in
    parentheses) with an optional ``-extension`` of up to 6 digits.

    * ``phone_format`` ``{"actual": value}``
    """
    if value == "":
        return []
    if isinstance(value, str) and value.isascii() and (_MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value)):
        return []
    return [problem("phone_format", actual=value)]


def check_postcode(value: str) -> list[Problem]:
    """Validate a postcode: exactly 6 ASCII digits.  * ``postcode_format`` ``{"actual": value}``"""
    if isinstance(value, str) and _digits(value, 6):
        return []
    return [problem("postcode_format", actual=value)]
