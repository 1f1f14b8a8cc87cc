"""Institution codes, admdvs, msgid, phone numbers and postcodes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from reference.validators import codes
from reference.validators.problems import Problem, codes_of

SEED_MSGID = "H11010202321202503010102030001"  # seeds 000 and 002


def _codes(problems: list[Problem]) -> list[str]:
    assert all(p.code in codes.PROBLEM_CODES for p in problems)
    return codes_of(problems)


class TestMedinsCode:
    @pytest.mark.parametrize(
        ("value", "admdvs"),
        [("H11010202321", "110102"), ("P44030500001", "440305"), ("H37010000001", "370100")],
    )
    def test_valid(self, value: str, admdvs: str) -> None:
        # H11010202321: seed 000 fixmedinsCode / msgid prefix; H37010000001: 000's delete infCode.
        assert codes.check_medins_code(value) == []
        assert codes.medins_admdvs(value) == admdvs

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("H1101020232", ["medins_code_length"]),
            ("H110102023210", ["medins_code_length"]),
            ("111010202321", ["medins_code_kind"]),
            ("h11010202321", ["medins_code_kind"]),
            ("X11010202321", ["medins_code_kind_unknown"]),
            ("H1101A202321", ["medins_code_admdvs"]),
            ("H10010202321", ["medins_code_admdvs"]),
            ("H1101020232A", ["medins_code_serial"]),
            ("S255151515", ["medins_code_length"]),  # seed 000 infCode: 10 characters
            ("M12345", ["medins_code_length"]),  # seed 000 rpotMedinsCode sample
        ],
    )
    def test_invalid(self, value: str, expected: list[str]) -> None:
        assert _codes(codes.check_medins_code(value)) == expected

    def test_params(self) -> None:
        assert codes.check_medins_code("X1101020232A") == [
            Problem("medins_code_kind_unknown", {"actual": "X"}),
            Problem("medins_code_serial", {"actual": "0232A"}),
        ]

    @pytest.mark.parametrize("value", ["", "H1101020232", "11101020232A", "H1101A202321", None])
    def test_admdvs_of_malformed_code(self, value: str) -> None:
        assert codes.medins_admdvs(value) is None


class TestAdmdvs:
    @pytest.mark.parametrize("value", ["370000", "110102", "510800", "820000"])
    def test_valid(self, value: str) -> None:
        assert codes.check_admdvs(value) == []

    @pytest.mark.parametrize("value", ["37000", "3700000", "37000A", "３７００００", "", None])
    def test_format(self, value: str) -> None:
        assert codes.check_admdvs(value) == [Problem("admdvs_format", {"actual": value})]

    def test_unknown_province(self) -> None:
        assert codes.check_admdvs("100000") == [
            Problem("admdvs_province", {"actual": "100000", "province": "10"})
        ]


class TestMsgid:
    def test_parse_seed(self) -> None:
        assert codes.parse_msgid(SEED_MSGID) == codes.Msgid("H11010202321", datetime(2025, 3, 1, 1, 2, 3), 1)

    @pytest.mark.parametrize(
        "bad",
        ["", SEED_MSGID[:-1], "h11010202321202503010102030001", "H11010202321202513010102030001",
         "H1101020232120250301010203000A", None],
    )
    def test_parse_malformed(self, bad: str) -> None:
        assert codes.parse_msgid(bad) is None

    def test_seed_envelope(self) -> None:
        # seed 000: infCode S255151515, infTime 2025-03-03 01:00:00 -- the msgid is two
        # days older than the envelope and its prefix is not the infCode.
        problems = codes.check_msgid(SEED_MSGID, inf_code="S255151515", now=datetime(2025, 3, 3, 1, 0, 0))
        assert problems == [
            Problem(
                "msgid_time_stale",
                {"time": "2025-03-01 01:02:03", "now": "2025-03-03 01:00:00", "max_age_seconds": 86400},
            ),
            Problem("msgid_prefix_mismatch", {"prefix": "H11010202321", "inf_code": "S255151515"}),
        ]

    def test_valid(self) -> None:
        now = datetime(2025, 3, 1, 1, 30)
        assert codes.check_msgid(SEED_MSGID, inf_code="H11010202321", now=now) == []
        assert codes.check_msgid(SEED_MSGID, inf_code=None, now=now) == []

    def test_wider_skew_parameter(self) -> None:
        now = datetime(2025, 3, 3, 1, 0, 0)
        assert codes.check_msgid(SEED_MSGID, inf_code=None, now=now, max_skew=timedelta(days=3)) == []

    def test_future(self) -> None:
        now = datetime(2025, 3, 1, 0, 50)
        problems = codes.check_msgid(SEED_MSGID, inf_code=None, now=now)
        assert _codes(problems) == ["msgid_time_future"]
        assert problems[0].params["max_ahead_seconds"] == 600
        assert codes.check_msgid(SEED_MSGID, inf_code=None, now=now, max_ahead=timedelta(minutes=15)) == []

    def test_within_ten_minutes_ahead_is_fine(self) -> None:
        assert codes.check_msgid(SEED_MSGID, inf_code=None, now=datetime(2025, 3, 1, 0, 53)) == []

    @pytest.mark.parametrize("value", ["", SEED_MSGID[:-1], SEED_MSGID + "1", None])
    def test_length(self, value: str) -> None:
        problems = codes.check_msgid(value, inf_code="H11010202321", now=datetime(2025, 3, 1))
        assert _codes(problems) == ["msgid_length"]
        assert problems[0].params["expected"] == 30

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("h11010202321202503010102030001", ["msgid_institution", "msgid_prefix_mismatch"]),
            ("H11010202321202513010102030001", ["msgid_time"]),
            ("H11010202321202503010102030A01", ["msgid_sequence"]),
            ("H1101020232 202503010102030001", ["msgid_institution", "msgid_prefix_mismatch"]),
            ("H11010202321 2025030101020301", ["msgid_length"]),
        ],
    )
    def test_malformed_parts(self, value: str, expected: list[str]) -> None:
        problems = codes.check_msgid(value, inf_code="H11010202321", now=datetime(2025, 3, 1, 1, 30))
        assert _codes(problems) == expected

    def test_time_part_params(self) -> None:
        problems = codes.check_msgid("H11010202321202502300102030001", inf_code=None, now=datetime(2025, 3, 1))
        assert problems == [Problem("msgid_time", {"expected": "yyyyMMddHHmmss", "actual": "20250230010203"})]

    def test_make_round_trip(self) -> None:
        value = codes.make_msgid("H11010202321", datetime(2025, 3, 1, 1, 2, 3, 999), 1)
        assert value == SEED_MSGID
        assert str(codes.parse_msgid(value)) == value

    @pytest.mark.parametrize(
        ("institution", "sequence"), [("H1101020232", 1), ("h11010202321", 1), ("H11010202321", 10000)]
    )
    def test_make_rejects(self, institution: str, sequence: int) -> None:
        with pytest.raises(ValueError):
            codes.make_msgid(institution, datetime(2025, 3, 1), sequence)


class TestPhone:
    @pytest.mark.parametrize(
        "value",
        [
            "",
            "13800138000",
            "19912345678",
            "+8613800138000",
            "86-13800138000",
            "010-12345678",
            "0755-8888888",
            "075588888888",
            "(010)12345678",
            "0931-8888888-123",
            "13678938484",  # seed 004 PhoneNumber sample
        ],
    )
    def test_valid(self, value: str) -> None:
        assert codes.check_phone(value) == []

    @pytest.mark.parametrize(
        "value",
        [
            " ",  # seed 002 sample tel " " (whitespace is not "empty")
            "12800138000",
            "1380013800",
            "138001380001",
            "12345678",  # no area code
            "10-12345678",
            "010-123456",
            "010-12345678-1234567",
            "１３８００１３８０００",
            "138 0013 8000",
            None,
        ],
    )
    def test_invalid(self, value: str) -> None:
        assert codes.check_phone(value) == [Problem("phone_format", {"actual": value})]


class TestPostcode:
    @pytest.mark.parametrize("value", ["100001", "510000", "000000"])
    def test_valid(self, value: str) -> None:
        assert codes.check_postcode(value) == []

    @pytest.mark.parametrize("value", ["10001", "1000011", "10000A", "", "１００００１", None])
    def test_invalid(self, value: str) -> None:
        # seed 000/002 poscode "10001" has 5 digits.
        assert codes.check_postcode(value) == [Problem("postcode_format", {"actual": value})]
