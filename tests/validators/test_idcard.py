"""GB 11643-1999 resident identity numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reference.validators import idcard
from reference.validators.problems import Problem, codes_of

ON = date(2025, 1, 1)


def _codes(problems: list[Problem]) -> list[str]:
    assert all(p.code in idcard.PROBLEM_CODES for p in problems)
    return codes_of(problems)


def _with_check(first17: str) -> str:
    return first17 + idcard.check_char(first17)


# 440305199007150425, by hand: digits 4 4 0 3 0 5 1 9 9 0 0 7 1 5 0 4 2 times weights
# 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 = 28+36+0+15+0+20+2+9+54+0+0+63+10+25+0+16+4 = 282;
# 282 mod 11 = 7; "10X98765432"[7] = "5".
HAND_CHECKED = "440305199007150425"


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),  # the well-known valid number 11010519491231002X
        ("11010119780405003", "8"),  # seed 000 sample certno 110101197804050038
        ("44030519900715042", "5"),  # HAND_CHECKED
    ],
)
def test_check_char(first17: str, expected: str) -> None:
    assert idcard.check_char(first17) == expected


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", "1101051949123100A", ""])
def test_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        idcard.check_char(bad)


@pytest.mark.parametrize(
    "certno",
    [
        "11010519491231002X",
        "110101197804050038",  # seed 000 (certno and hiImgIndx sample): VALID, male, 1978-04-05
        HAND_CHECKED,
    ],
)
def test_valid_numbers(certno: str) -> None:
    assert idcard.check(certno, on=ON) == []


def test_seed_002_sample_certno_is_invalid() -> None:
    # seed 002 certno 100200300040506000: "10" is no province, birth "30004050" is no
    # date, and the check character should be 6, not 0.
    problems = idcard.check("100200300040506000", on=ON)
    assert _codes(problems) == ["idcard_region", "idcard_birth_date", "idcard_check_digit"]
    assert problems[1].params == {"actual": "30004050"}
    assert problems[2].params == {"expected": "6", "actual": "0"}
    assert idcard.parse("100200300040506000") is None


def test_lowercase_x_is_accepted_but_reported() -> None:
    assert _codes(idcard.check("11010519491231002x", on=ON)) == ["idcard_lowercase_x"]
    card = idcard.parse("11010519491231002x")
    assert card is not None and card.check == "X"


@pytest.mark.parametrize(
    ("certno", "expected", "actual"),
    [
        ("110101197804050039", "8", "9"),  # wrong digit
        ("110105194912310020", "X", "0"),  # digit where X is due
        ("11010119780405003X", "8", "X"),  # X where a digit is due
        ("11010119780405003x", "8", "x"),  # lowercase x, and wrong
    ],
)
def test_wrong_check_character(certno: str, expected: str, actual: str) -> None:
    problems = idcard.check(certno, on=ON)
    assert problems[-1] == Problem("idcard_check_digit", {"expected": expected, "actual": actual})


@pytest.mark.parametrize(
    "birth",
    ["19780230", "19781301", "19780400", "00000000", "18991231"],
)
def test_impossible_birth_dates(birth: str) -> None:
    certno = _with_check(f"110101{birth}003")
    problems = idcard.check(certno, on=ON)
    assert problems == [Problem("idcard_birth_date", {"actual": birth})]
    assert idcard.parse(certno) is None


def test_birth_in_the_future() -> None:
    certno = idcard.make("110101", date(2030, 1, 1), 1)
    assert idcard.check(certno, on=ON) == [
        Problem("idcard_birth_future", {"birth": "2030-01-01", "on": "2025-01-01"})
    ]
    assert idcard.check(certno, on=date(2030, 1, 1)) == []


@pytest.mark.parametrize("certno", ["", "1101051949123100", "11010519491231002X1", "1234567"])
def test_wrong_length(certno: str) -> None:
    assert idcard.check(certno, on=ON) == [
        Problem("idcard_length", {"expected": 18, "actual": len(certno)})
    ]


def test_non_string_is_a_length_problem() -> None:
    assert _codes(idcard.check(None, on=ON)) == ["idcard_length"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("certno", "position", "char"),
    [
        ("11010519491231002A", 18, "A"),
        ("1101051949123100X2", 17, "X"),
        ("１１0105194912310020", 1, "１"),  # full-width digits are not ASCII digits
        ("11010519491231 02X", 15, " "),
    ],
)
def test_charset(certno: str, position: int, char: str) -> None:
    problems = idcard.check(certno, on=ON)
    assert _codes(problems) == ["idcard_charset"]
    assert problems[0].params["position"] == position
    assert problems[0].params["char"] == char


def test_unknown_region() -> None:
    certno = idcard.make("990101", date(1980, 1, 1), 11)
    assert idcard.check(certno, on=ON) == [
        Problem("idcard_region", {"region": "990101", "province": "99"})
    ]


class TestLegacy15:
    def test_valid_legacy(self) -> None:
        assert idcard.check("110105491231002", on=ON) == [Problem("idcard_legacy_15")]
        card = idcard.parse("110105491231002")
        assert card == idcard.IdCard("110105", date(1949, 12, 31), 2, "2", None, legacy=True)

    def test_legacy_with_bad_birth(self) -> None:
        problems = idcard.check("110105491331002", on=ON)
        assert _codes(problems) == ["idcard_legacy_15", "idcard_birth_date"]
        assert problems[1].params == {"actual": "491331"}

    def test_legacy_with_letters(self) -> None:
        assert _codes(idcard.check("11010549123100X", on=ON)) == ["idcard_charset"]


class TestParse:
    def test_parts(self) -> None:
        card = idcard.parse("110101197804050038")
        assert card == idcard.IdCard("110101", date(1978, 4, 5), 3, "1", "8")

    def test_parse_does_not_verify_the_check_character(self) -> None:
        card = idcard.parse("110101197804050039")
        assert card is not None and card.check == "9"

    @pytest.mark.parametrize("bad", ["", "abc", "11010119780405003", "1101011978040500X8", None])
    def test_malformed(self, bad: str) -> None:
        assert idcard.parse(bad) is None

    @pytest.mark.parametrize(("sequence", "sex"), [(1, "1"), (2, "2"), (999, "1"), (0, "2")])
    def test_sex_from_sequence_parity(self, sequence: int, sex: str) -> None:
        card = idcard.parse(idcard.make("320102", date(2001, 5, 6), sequence))
        assert card is not None and card.sex == sex and card.sequence == sequence


class TestMake:
    def test_round_trip(self) -> None:
        certno = idcard.make("440305", date(1990, 7, 15), 42)
        assert certno == HAND_CHECKED
        assert idcard.check(certno, on=ON) == []

    def test_leap_day(self) -> None:
        certno = idcard.make("510104", date(2000, 2, 29), 7)
        assert idcard.check(certno, on=ON) == []

    @pytest.mark.parametrize(
        ("region", "sequence"),
        [("11010", 1), ("1101011", 1), ("11010A", 1), ("110101", -1), ("110101", 1000)],
    )
    def test_bad_arguments(self, region: str, sequence: int) -> None:
        with pytest.raises(ValueError):
            idcard.make(region, date(1990, 1, 1), sequence)


class TestConsistency:
    SEED = "110101197804050038"

    def test_seed_000_row_is_inconsistent(self) -> None:
        # seed 000 row: brdy 1990-01-01, gend 1, age 35, examDate 2023-04-02.
        problems = idcard.check_consistency(
            self.SEED, brdy=date(1990, 1, 1), gend="1", age=35, on=date(2023, 4, 2)
        )
        assert problems == [
            Problem("idcard_brdy_mismatch", {"certno_birth": "1978-04-05", "brdy": "1990-01-01"}),
            Problem("idcard_age_mismatch", {"expected": 44, "actual": "35", "on": "2023-04-02"}),
        ]

    def test_consistent_row(self) -> None:
        assert (
            idcard.check_consistency(
                self.SEED, brdy=date(1978, 4, 5), gend="1", age=Decimal("44.9"), on=date(2023, 4, 2)
            )
            == []
        )

    @pytest.mark.parametrize(("gend", "ok"), [("1", True), ("2", False), ("0", True), ("9", True)])
    def test_gend(self, gend: str, ok: bool) -> None:
        problems = idcard.check_consistency(self.SEED, brdy=None, gend=gend, age=None, on=ON)
        assert problems == ([] if ok else [Problem("idcard_gend_mismatch", {"certno_sex": "1", "gend": gend})])

    @pytest.mark.parametrize(
        ("age", "ok"),
        [(44, True), (43, True), (45, True), (45.9, True), (Decimal("43.0"), True),
         (46, False), (42, False), (Decimal("46.0"), False), (0, False)],
    )
    def test_age_tolerance(self, age: Decimal | float, ok: bool) -> None:
        # on 2023-04-02 the holder (born 1978-04-05) is 44.
        problems = idcard.check_consistency(self.SEED, brdy=None, gend=None, age=age, on=date(2023, 4, 2))
        assert _codes(problems) == ([] if ok else ["idcard_age_mismatch"])

    def test_unparseable_certno_is_left_to_check(self) -> None:
        assert idcard.check_consistency("bad", brdy=date(1990, 1, 1), gend="2", age=1, on=ON) == []

    def test_legacy_number_is_compared_too(self) -> None:
        problems = idcard.check_consistency("110105491231002", brdy=date(1949, 12, 31), gend="1", age=None, on=ON)
        assert _codes(problems) == ["idcard_gend_mismatch"]


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1978, 4, 5), date(2023, 4, 4), 44),
        (date(1978, 4, 5), date(2023, 4, 5), 45),
        (date(2000, 2, 29), date(2001, 2, 28), 0),
        (date(2000, 2, 29), date(2001, 3, 1), 1),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert idcard.age_on(birth, on) == age
