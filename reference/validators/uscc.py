"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

18 characters from the 31-character set ``0-9 A-H J-N P-R T U W-Y`` (no I, O, Z, S, V):

====== ======================================================================
pos    meaning
====== ======================================================================
1      registration-management department (1 机构编制, 5 民政, 9 工商, Y 其他 ...)
2      organisation type within that department
3-8    administrative-division code of the registering authority (GB/T 2260)
9-17   organisation code (GB 11714): 8-character body + its own check character
18     check character: weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28 over
       the first 17 characters' values in the set; ``31 - sum mod 31`` (31 -> 0)
====== ======================================================================

The embedded GB 11714 check (weights 3 7 9 10 5 8 4 2; ``11 - sum mod 11``; 10 -> X,
11 -> 0; letters valued A=10 ... Z=35) is reported separately at warning level
(``uscc_org_code_check``): some issuing systems did not enforce it.

Used for ``stogInsUscc`` (000 §1.1.2 field 69) and the last part of ``hiImgIndx``.
"""

from __future__ import annotations

from typing import Final

from reference.validators.problems import Problem, problem, remembered

__all__ = [
    "CHARSET",
    "WEIGHTS",
    "ORG_WEIGHTS",
    "REGISTRATION_DEPTS",
    "PROBLEM_CODES",
    "check_char",
    "org_code_check_char",
    "make",
    "is_shaped",
    "check",
]

PROBLEM_CODES: Final = (
    "uscc_length",
    "uscc_lowercase",
    "uscc_charset",
    "uscc_registration_dept",
    "uscc_admdvs",
    "uscc_check_char",
    "uscc_org_code_check",
)

CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
_VALUE: Final = {c: i for i, c in enumerate(CHARSET)}

# GB 32100-2015 table 1 (registration-management department codes).
REGISTRATION_DEPTS: Final = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}


def _in_charset(text: str) -> bool:
    return all(c in _VALUE for c in text)


def check_char(first17: str) -> str:
    """GB 32100 check character for the first 17 characters.

    >>> check_char("91350100M000100Y4")
    '3'
    """
    if len(first17) != 17 or not _in_charset(first17):
        raise ValueError("check_char needs 17 characters from the GB 32100 set")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def _org_value(char: str) -> int:
    if char.isascii() and char.isdigit():
        return int(char)
    if char.isascii() and char.isupper():
        return ord(char) - ord("A") + 10
    raise ValueError(f"not a GB 11714 character: {char!r}")


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character for the 8-character organisation-code body.

    >>> org_code_check_char("M000100Y")
    '4'
    """
    if len(first8) != 8:
        raise ValueError("org_code_check_char needs 8 characters")
    total = sum(_org_value(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make(registration_dept: str, org_type: str, admdvs: str, org_code_body: str) -> str:
    """Build a valid code; the organisation-code check (position 17) is computed."""
    if len(registration_dept) != 1 or len(org_type) != 1:
        raise ValueError("registration_dept and org_type are one character each")
    if len(admdvs) != 6 or not (admdvs.isascii() and admdvs.isdigit()):
        raise ValueError("admdvs must be 6 ASCII digits")
    if len(org_code_body) != 8:
        raise ValueError("org_code_body must be 8 characters")
    first16 = registration_dept + org_type + admdvs + org_code_body
    if not _in_charset(first16):
        raise ValueError("characters outside the GB 32100 set")
    first17 = first16 + org_code_check_char(org_code_body)
    return first17 + check_char(first17)


def is_shaped(value: str) -> bool:
    """18 characters from the GB 32100 set (the check character is not verified)."""
    return isinstance(value, str) and len(value) == 18 and _in_charset(value)


def _charset_problem(value: str) -> Problem | None:
    bad = [(i, c) for i, c in enumerate(value) if c not in _VALUE]
    if not bad:
        return None
    return problem("uscc_charset", position=bad[0][0] + 1, char=bad[0][1], count=len(bad))


def _org_code_problems(value: str) -> list[Problem]:
    body, actual = value[8:16], value[16]
    expected = org_code_check_char(body)
    if expected == actual:
        return []
    return [problem("uscc_org_code_check", expected=expected, actual=actual, org_code=value[8:17])]


def _part_problems(value: str) -> list[Problem]:
    problems: list[Problem] = []
    if value[0] not in REGISTRATION_DEPTS:
        problems.append(problem("uscc_registration_dept", actual=value[0]))
    if not value[2:8].isdigit():
        problems.append(problem("uscc_admdvs", actual=value[2:8]))
    return problems


@remembered
def check(value: str) -> list[Problem]:
    """Validate a unified social credit code (remembered: a sender repeats its own).

    * ``uscc_length`` ``{"expected": 18, "actual": <length>}``
    * ``uscc_lowercase`` ``{}`` -- lower-case letters (then checked as upper case)
    * ``uscc_charset`` ``{"position": <1-based>, "char": c, "count": <bad chars>}``
    * ``uscc_registration_dept`` ``{"actual": c}`` -- position 1 not in GB 32100 table 1
    * ``uscc_admdvs`` ``{"actual": "..."}`` -- positions 3-8 are not 6 digits
    * ``uscc_check_char`` ``{"expected": "3", "actual": "0"}``
    * ``uscc_org_code_check`` ``{"expected": "4", "actual": "5", "org_code": "M000100Y5"}``
      (warning level: embedded GB 11714 check character)
    """
    if not isinstance(value, str) or len(value) != 18:
        return [problem("uscc_length", expected=18, actual=len(value) if isinstance(value, str) else 0)]
    problems: list[Problem] = []
    if value != value.upper() and _in_charset(value.upper()):
        problems.append(problem("uscc_lowercase"))
        value = value.upper()
    bad = _charset_problem(value)
    if bad is not None:
        return problems + [bad]
    problems += _part_problems(value)
    expected = check_char(value[:17])
    if expected != value[17]:
        problems.append(problem("uscc_check_char", expected=expected, actual=value[17]))
    return problems + _org_code_problems(value)
