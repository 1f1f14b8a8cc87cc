"""GB 32100-2015 unified social credit codes (and the embedded GB 11714 check)."""

from __future__ import annotations

import pytest

from reference.validators import uscc
from reference.validators.problems import Problem, codes_of

# The well-known valid code 91350100M000100Y43, by hand.  Values in the GB 32100 set:
# 9 1 3 5 0 1 0 0 M=21 0 0 0 1 0 0 Y=30 4; weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
# 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1640; 1640 mod 31 = 28; 31-28 = 3 -> "3".
# Embedded organisation code M000100Y4 (GB 11714, letters A=10..Z=35, so M=22, Y=34):
# 22*3+0*7+0*9+0*10+1*5+0*8+0*4+34*2 = 139; 139 mod 11 = 7; 11-7 = 4 -> "4".
KNOWN_VALID = "91350100M000100Y43"


def _codes(problems: list[Problem]) -> list[str]:
    assert all(p.code in uscc.PROBLEM_CODES for p in problems)
    return codes_of(problems)


def test_check_char_by_hand() -> None:
    assert uscc.check_char(KNOWN_VALID[:17]) == "3"


@pytest.mark.parametrize(
    ("first8", "expected"),
    [("M000100Y", "4"), ("00000001", "9"), ("00000006", "X"), ("00000000", "0")],
)
def test_org_code_check_char(first8: str, expected: str) -> None:
    # 00000006: 6*2 = 12, 12 mod 11 = 1, 11-1 = 10 -> X; 00000000: 11-0 = 11 -> 0.
    assert uscc.org_code_check_char(first8) == expected


@pytest.mark.parametrize("bad", ["M000100", "M000100Y4", "M000100y"])
def test_org_code_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        uscc.org_code_check_char(bad)


@pytest.mark.parametrize("bad", ["91350100M000100Y", "91350100M000100I4", "91350100M000100Y4 "])
def test_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        uscc.check_char(bad)


@pytest.mark.parametrize(
    "code",
    [
        KNOWN_VALID,
        uscc.make("9", "1", "440300", "MA5ABCDE"),
        uscc.make("1", "2", "350200", "00000006"),  # org-code check X
        uscc.make("5", "1", "110108", "00000000"),  # org-code check 0
        uscc.make("Y", "1", "510100", "12345678"),
    ],
)
def test_valid_codes(code: str) -> None:
    assert uscc.check(code) == []
    assert uscc.is_shaped(code)


def test_make_values() -> None:
    assert uscc.make("9", "1", "440300", "MA5ABCDE") == "91440300MA5ABCDE5X"
    assert uscc.make("9", "1", "350100", "M000100Y") == KNOWN_VALID


def test_seed_000_stog_ins_uscc_is_invalid() -> None:
    # seed 000/002 stogInsUscc 91310106575864243X: check character should be N, and
    # the embedded organisation code 57586424-3 should end in 8.
    assert uscc.check("91310106575864243X") == [
        Problem("uscc_check_char", {"expected": "N", "actual": "X"}),
        Problem("uscc_org_code_check", {"expected": "8", "actual": "3", "org_code": "575864243"}),
    ]


def test_seed_hiimgindx_uscc_is_invalid() -> None:
    # the USCC ending every seed hiImgIndx, 123502004266007980: check character should
    # be U, and the organisation code 42660079-8 should end in 1.
    assert uscc.check("123502004266007980") == [
        Problem("uscc_check_char", {"expected": "U", "actual": "0"}),
        Problem("uscc_org_code_check", {"expected": "1", "actual": "8", "org_code": "426600798"}),
    ]


@pytest.mark.parametrize("value", ["", "91350100M000100Y4", "91350100M000100Y433", None])
def test_length(value: str) -> None:
    assert _codes(uscc.check(value)) == ["uscc_length"]


@pytest.mark.parametrize(
    ("value", "position", "char"),
    [
        ("91350100I000100Y43", 9, "I"),
        ("91350100O000100Y43", 9, "O"),
        ("91350100Z000100Y43", 9, "Z"),
        ("91350100S000100Y43", 9, "S"),
        ("91350100V000100Y43", 9, "V"),
        ("91350100M000100Y4-", 18, "-"),
    ],
)
def test_charset(value: str, position: int, char: str) -> None:
    problems = uscc.check(value)
    assert _codes(problems) == ["uscc_charset"]
    assert problems[0].params == {"position": position, "char": char, "count": 1}


def test_lowercase_is_reported_then_checked_upper_case() -> None:
    assert uscc.check(KNOWN_VALID.lower()) == [Problem("uscc_lowercase")]
    assert _codes(uscc.check("91350100m000100y44")) == ["uscc_lowercase", "uscc_check_char"]


def test_wrong_check_char() -> None:
    assert uscc.check("91350100M000100Y44") == [
        Problem("uscc_check_char", {"expected": "3", "actual": "4"})
    ]


def test_org_code_failure_is_separate() -> None:
    # 91350100M000100Y5 + its own GB 32100 check character 6: only the embedded check fails.
    assert uscc.check("91350100M000100Y56") == [
        Problem("uscc_org_code_check", {"expected": "4", "actual": "5", "org_code": "M000100Y5"})
    ]


def test_unknown_registration_department() -> None:
    assert uscc.check("B1350100M000100Y41") == [Problem("uscc_registration_dept", {"actual": "B"})]


def test_admdvs_must_be_digits() -> None:
    assert uscc.check("91ABCDEFM000100Y4Y") == [Problem("uscc_admdvs", {"actual": "ABCDEF"})]


@pytest.mark.parametrize(
    ("args"),
    [
        ("91", "1", "350100", "M000100Y"),
        ("9", "1", "35010", "M000100Y"),
        ("9", "1", "35010A", "M000100Y"),
        ("9", "1", "350100", "M000100"),
        ("9", "1", "350100", "I000100Y"),
        ("9", "O", "350100", "M000100Y"),
    ],
)
def test_make_rejects_bad_parts(args: tuple[str, str, str, str]) -> None:
    with pytest.raises(ValueError):
        uscc.make(*args)
