"""Resident identity numbers (公民身份号码), GB 11643-1999.

18 characters: 6-digit address (region) code (GB/T 2260) + 8-digit birth date
``yyyyMMdd`` + 3-digit sequence (odd = male, even = female) + 1 check character
computed with ISO 7064 MOD 11-2 over the first 17 digits.  The check character is a
digit or ``X``; a lowercase ``x`` is accepted but reported (``idcard_lowercase_x``).

Legacy 15-digit numbers (6 region + ``yyMMdd`` birth in the 1900s + 3 sequence, no
check character) are recognised and reported as ``idcard_legacy_15``.

Used for ``certno`` when ``psnCertType`` is 111 (000 §1.1.2 fields 3-4) and for the
doctors' and technicians' ``*Idcard`` fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from operator import mul
from typing import Final, Literal

from reference.validators.problems import Problem, problem, remembered

__all__ = [
    "IdCard",
    "PROBLEM_CODES",
    "WEIGHTS",
    "PROVINCES",
    "check_char",
    "make",
    "parse",
    "check",
    "check_consistency",
    "age_on",
]

PROBLEM_CODES: Final = (
    "idcard_length",
    "idcard_charset",
    "idcard_lowercase_x",
    "idcard_legacy_15",
    "idcard_region",
    "idcard_birth_date",
    "idcard_birth_future",
    "idcard_check_digit",
    "idcard_brdy_mismatch",
    "idcard_gend_mismatch",
    "idcard_age_mismatch",
)

WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_MAP: Final = "10X98765432"  # index = (weighted sum) mod 11

# First two digits of GB/T 2260 codes: provinces, plus 71 (Taiwan) and 81/82/83
# (Hong Kong / Macao / Taiwan residents' residence permits, which use this layout).
PROVINCES: Final = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)

# Earliest birth year treated as possible (anything before is a typo).
MIN_BIRTH_YEAR: Final = 1900

Sex = Literal["1", "2"]


@dataclass(frozen=True)
class IdCard:
    """A structurally valid identity number, split into its parts.

    ``sex`` uses the ``gend`` dictionary (000 §2.1): "1" male, "2" female.
    ``check`` is ``None`` for a legacy 15-digit number.
    """

    region: str
    birth: date
    sequence: int
    sex: Sex
    check: str | None
    legacy: bool = False


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits.

    >>> check_char("11010519491231002")
    'X'
    """
    if len(first17) != 17 or not _is_digits(first17):
        raise ValueError("check_char needs exactly 17 ASCII digits")
    total = sum(map(mul, map(int, first17), WEIGHTS))  # C-level: a saved index row checks five numbers
    return _CHECK_MAP[total % 11]


def make(region: str, birth: date, sequence: int) -> str:
    """Build an 18-character number; choose ``sequence`` odd for male, even for female."""
    if len(region) != 6 or not _is_digits(region):
        raise ValueError("region must be 6 ASCII digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be in 0..999")
    if not 1000 <= birth.year <= 9999:
        raise ValueError("birth year must have 4 digits")
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def _birth(text: str) -> date | None:
    try:
        born = date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None
    return born if born.year >= MIN_BIRTH_YEAR else None


def _sex(sequence: int) -> Sex:
    return "1" if sequence % 2 else "2"


def _parse18(certno: str) -> IdCard | None:
    last = certno[17]
    if not _is_digits(certno[:17]) or not (last.isdigit() and last.isascii() or last in "Xx"):
        return None
    born = _birth(certno[6:14])
    if born is None:
        return None
    sequence = int(certno[14:17])
    return IdCard(certno[:6], born, sequence, _sex(sequence), last.upper())


def _parse15(certno: str) -> IdCard | None:
    if not _is_digits(certno):
        return None
    born = _birth("19" + certno[6:12])
    if born is None:
        return None
    sequence = int(certno[12:15])
    return IdCard(certno[:6], born, sequence, _sex(sequence), None, legacy=True)


def parse(certno: str) -> IdCard | None:
    """Split a number with a valid shape and a real birth date; ``None`` otherwise.

    The check character is *not* verified here (use :func:`check`); ``x`` is read as ``X``.
    """
    if not isinstance(certno, str):
        return None
    if len(certno) == 18:
        return _parse18(certno)
    if len(certno) == 15:
        return _parse15(certno)
    return None


def _charset_problem(certno: str) -> Problem | None:
    head, tail = certno[:17], certno[17:]
    if certno.isascii() and head.isdigit() and (not tail or tail.isdigit() or tail in ("X", "x")):
        return None  # the common case, without a loop over every character
    bad = [
        (i, c)
        for i, c in enumerate(certno)
        if not (c.isascii() and c.isdigit()) and not (i == 17 and c in "Xx")
    ]
    if not bad:
        return None
    position, char = bad[0]
    return problem("idcard_charset", position=position + 1, char=char, count=len(bad))


def _region_problems(certno: str) -> list[Problem]:
    if certno[:2] in PROVINCES:
        return []
    return [problem("idcard_region", region=certno[:6], province=certno[:2])]


def _birth_problems(raw: str, born: date | None, on: date) -> list[Problem]:
    if born is None:
        return [problem("idcard_birth_date", actual=raw)]
    if born > on:
        return [problem("idcard_birth_future", birth=born.isoformat(), on=on.isoformat())]
    return []


def _check15(certno: str, on: date) -> list[Problem]:
    problems = [problem("idcard_legacy_15")]
    problems += _region_problems(certno)
    return problems + _birth_problems(certno[6:12], _birth("19" + certno[6:12]), on)


def _check18(certno: str, on: date) -> list[Problem]:
    problems: list[Problem] = []
    if certno[17] == "x":
        problems.append(problem("idcard_lowercase_x"))
    problems += _region_problems(certno)
    problems += _birth_problems(certno[6:14], _birth(certno[6:14]), on)
    expected, actual = check_char(certno[:17]), certno[17].upper()
    if expected != actual:
        problems.append(problem("idcard_check_digit", expected=expected, actual=certno[17]))
    return problems


def check(certno: str, *, on: date | None = None) -> list[Problem]:
    """Validate an identity number; ``on`` is "today" for the future-birth rule.

    Problem codes and params:

    * ``idcard_length`` ``{"expected": 18, "actual": <length>}``
    * ``idcard_charset`` ``{"position": <1-based>, "char": c, "count": <bad chars>}``
    * ``idcard_lowercase_x`` ``{}`` -- check character written ``x`` (accepted)
    * ``idcard_legacy_15`` ``{}`` -- 15-digit pre-1999 number, no check character
    * ``idcard_region`` ``{"region": "100200", "province": "10"}`` -- unknown GB/T 2260 province
    * ``idcard_birth_date`` ``{"actual": "30004050"}`` -- not a date, or before 1900
    * ``idcard_birth_future`` ``{"birth": iso, "on": iso}``
    * ``idcard_check_digit`` ``{"expected": "X", "actual": "8"}``
    """
    return _check_on(certno, on or date.today())


@remembered
def _check_on(certno: str, today: date) -> list[Problem]:
    """``check`` on a given day (remembered: a hospital's doctors are named in each of its rows)."""
    if not isinstance(certno, str):
        return [problem("idcard_length", expected=18, actual=0)]
    if len(certno) not in (15, 18):
        return [problem("idcard_length", expected=18, actual=len(certno))]
    bad = _charset_problem(certno)
    if bad is not None:
        return [bad]
    return _check15(certno, today) if len(certno) == 15 else _check18(certno, today)


def age_on(birth: date, on: date) -> int:
    """Completed years of age on ``on`` (a 29 February birthday counts from 1 March)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _age_integer(age: Decimal | float | int) -> int | None:
    try:
        value = Decimal(str(age))
    except InvalidOperation:
        return None
    return int(value) if value.is_finite() else None


def check_consistency(
    certno: str,
    *,
    brdy: date | None,
    gend: str | None,
    age: Decimal | float | int | None,
    on: date,
) -> list[Problem]:
    """Compare the number with the row's ``brdy``, ``gend`` and ``age`` (000 fields 5, 26, 27).

    Returns ``[]`` when ``certno`` cannot be parsed (:func:`check` reports that).
    ``gend`` is compared only when it is "1" or "2" ("0" unknown and "9" unstated are
    not comparable).  ``age`` is compared with the age on ``on`` (normally the exam
    date); its integer part may differ by at most 1.

    * ``idcard_brdy_mismatch`` ``{"certno_birth": iso, "brdy": iso}``
    * ``idcard_gend_mismatch`` ``{"certno_sex": "1", "gend": "2"}``
    * ``idcard_age_mismatch`` ``{"expected": 44, "actual": "35", "on": iso}``
    """
    card = parse(certno)
    if card is None:
        return []
    problems: list[Problem] = []
    if brdy is not None and brdy != card.birth:
        problems.append(
            problem("idcard_brdy_mismatch", certno_birth=card.birth.isoformat(), brdy=brdy.isoformat())
        )
    if gend in ("1", "2") and gend != card.sex:
        problems.append(problem("idcard_gend_mismatch", certno_sex=card.sex, gend=gend))
    if age is not None:
        problems += _age_problems(card.birth, age, on)
    return problems


def _age_problems(birth: date, age: Decimal | float | int, on: date) -> list[Problem]:
    given = _age_integer(age)
    expected = age_on(birth, on)
    if given is None or abs(given - expected) <= 1:
        return []
    return [problem("idcard_age_mismatch", expected=expected, actual=str(age), on=on.isoformat())]
