"""The hiImgIndx index number: national and sample layouts."""

from __future__ import annotations

from datetime import datetime

import pytest

from reference.validators import hiimgindx, uscc
from reference.validators.problems import Problem, codes_of

USCC = "91350100M000100Y43"
PERSON = "12345678901234567890123456"
NATIONAL = f"{PERSON}-202411221430-CT0100001-DEV0000000001-{USCC}"
SAMPLE = f"111-110101197804050038-20241122143000-0000000000000-000000000-{USCC}"

# seed 000 (§1.1.2 (7), §1.2.2, §1.3.2, §1.4.2): same string everywhere
SEED_000 = "111-110101197804050038-20241122143000-0000000000000-000000000-123502004266007980"
# seed 002 (二(七)): 12-zero device part and a line break inside
SEED_002 = "111-100200300040506000-20241122143055-000000000000-000000000\n-123502004266007980"


def _codes(problems: list[Problem]) -> list[str]:
    assert all(p.code in hiimgindx.PROBLEM_CODES for p in problems)
    return codes_of(problems)


class TestNational:
    def test_valid(self) -> None:
        assert hiimgindx.check(NATIONAL) == []
        assert len(NATIONAL) == 82

    def test_parse(self) -> None:
        index = hiimgindx.parse(NATIONAL)
        assert index == hiimgindx.HiImgIndx(
            "national", datetime(2024, 11, 22, 14, 30), "CT0100001", "DEV0000000001", USCC, person_code=PERSON
        )
        assert str(index) == NATIONAL

    def test_make(self) -> None:
        made = hiimgindx.make_national(PERSON, datetime(2024, 11, 22, 14, 30, 59), "CT0100001", "DEV0000000001", USCC)
        assert made == NATIONAL

    @pytest.mark.parametrize(
        ("index", "part", "expected", "actual"),
        [
            (0, "person_code", "26 digits", "1234567890123456789012345"),
            (0, "person_code", "26 digits", "1234567890123456789012345X"),
            (1, "exam_time", "YYYYMMDDhhmm", "202413221430"),
            (1, "exam_time", "YYYYMMDDhhmm", "20241122143000"),
            (1, "exam_time", "YYYYMMDDhhmm", "202411222460"),
            (2, "body_part", "9 upper-case letters or digits", "ct0100001"),
            (2, "body_part", "9 upper-case letters or digits", "CT010000"),
            (3, "device", "13 upper-case letters or digits", "DEV000000001"),
            (4, "uscc", "18 characters of GB 32100", "91350100I000100Y43"),
            (4, "uscc", "18 characters of GB 32100", "91350100M000100Y4"),
        ],
    )
    def test_malformed_part(self, index: int, part: str, expected: str, actual: str) -> None:
        parts = NATIONAL.split("-")
        parts[index] = actual
        value = "-".join(parts)
        assert hiimgindx.check(value) == [
            Problem(
                "hiimgindx_part",
                {"layout": "national", "part": part, "index": index + 1, "expected": expected, "actual": actual},
            )
        ]
        assert hiimgindx.parse(value) is None

    def test_uscc_check_char(self) -> None:
        value = NATIONAL[:-1] + "4"
        assert hiimgindx.check(value) == [
            Problem("hiimgindx_uscc_check_char", {"expected": "3", "actual": "4", "uscc": USCC[:-1] + "4"})
        ]
        assert hiimgindx.parse(value) is not None  # parse checks shape only

    def test_make_rejects_bad_parts(self) -> None:
        with pytest.raises(ValueError, match="body_part"):
            hiimgindx.make_national(PERSON, datetime(2024, 1, 1), "ct", "DEV0000000001", USCC)


class TestSample:
    def test_valid_sample_is_accepted_with_a_warning(self) -> None:
        assert hiimgindx.check(SAMPLE) == [Problem("hiimgindx_sample_layout")]

    def test_parse(self) -> None:
        index = hiimgindx.parse(SAMPLE)
        assert index == hiimgindx.HiImgIndx(
            "sample",
            datetime(2024, 11, 22, 14, 30, 0),
            "000000000",
            "0000000000000",
            USCC,
            cert_type="111",
            certno="110101197804050038",
        )
        assert str(index) == SAMPLE

    def test_make(self) -> None:
        made = hiimgindx.make_sample("111", "110101197804050038", datetime(2024, 11, 22, 14, 30), USCC)
        assert made == SAMPLE
        custom = hiimgindx.make_sample(
            "414", "E12345678", datetime(2024, 1, 2, 3, 4, 5), USCC, device="ABCDEFGHJK123", body_part="CT0100001"
        )
        assert hiimgindx.parse(custom) is not None

    def test_seed_000_sample(self) -> None:
        # accepted (sample layout), but its USCC 123502004266007980 fails GB 32100.
        assert hiimgindx.check(SEED_000) == [
            Problem("hiimgindx_sample_layout"),
            Problem("hiimgindx_uscc_check_char", {"expected": "U", "actual": "0", "uscc": "123502004266007980"}),
        ]
        index = hiimgindx.parse(SEED_000)
        assert index is not None and index.certno == "110101197804050038"

    def test_seed_002_sample_is_rejected(self) -> None:
        assert hiimgindx.check(SEED_002) == [
            Problem("hiimgindx_whitespace", {"position": 61}),
            Problem("hiimgindx_sample_layout"),
            Problem(
                "hiimgindx_part",
                {
                    "layout": "sample",
                    "part": "device",
                    "index": 4,
                    "expected": "13 upper-case letters or digits",
                    "actual": "000000000000",
                },
            ),
            Problem("hiimgindx_uscc_check_char", {"expected": "U", "actual": "0", "uscc": "123502004266007980"}),
        ]
        assert hiimgindx.parse(SEED_002) is None

    @pytest.mark.parametrize(
        ("index", "part", "actual"),
        [
            (0, "cert_type", ""),
            (0, "cert_type", "1111111"),
            (1, "certno", ""),
            (1, "certno", "1101011978_04050038"),
            (1, "certno", "1" * 51),
            (2, "exam_time", "202411221430"),
            (2, "exam_time", "20241122253000"),
            (3, "device", "000000000000"),
            (3, "device", "00000000000000"),
            (4, "body_part", "00000000"),
            (4, "body_part", "abcdefghi"),
            (5, "uscc", "91350100M000100Y4"),
        ],
    )
    def test_malformed_part(self, index: int, part: str, actual: str) -> None:
        parts = SAMPLE.split("-")
        parts[index] = actual
        value = "-".join(parts)
        problems = hiimgindx.check(value)
        assert _codes(problems) == ["hiimgindx_sample_layout", "hiimgindx_part"]
        assert problems[1].params["part"] == part
        assert problems[1].params["layout"] == "sample"
        assert hiimgindx.parse(value) is None

    def test_certno_with_parentheses(self) -> None:
        value = hiimgindx.make_sample("990", "A123456(7)", datetime(2024, 1, 1), USCC)
        assert hiimgindx.check(value) == [Problem("hiimgindx_sample_layout")]


class TestLayout:
    @pytest.mark.parametrize(
        ("value", "parts"),
        [
            ("abc", 1),
            (f"{PERSON}-202411221430-CT0100001-{USCC}", 4),
            (SAMPLE + "-X", 7),
        ],
    )
    def test_unknown_layout(self, value: str, parts: int) -> None:
        assert hiimgindx.check(value) == [
            Problem("hiimgindx_layout", {"parts": parts, "expected": "5 (national) or 6 (sample)"})
        ]
        assert hiimgindx.parse(value) is None

    @pytest.mark.parametrize("value", ["", None])
    def test_empty(self, value: str) -> None:
        assert hiimgindx.check(value) == [Problem("hiimgindx_empty")]
        assert hiimgindx.parse(value) is None

    def test_surrounding_whitespace_is_not_trimmed(self) -> None:
        assert _codes(hiimgindx.check(" " + NATIONAL)) == ["hiimgindx_whitespace"]
        assert hiimgindx.parse(NATIONAL + "\n") is None


class TestAgainstRow:
    ROW = {
        "examDate": "2024-11-22",
        "stogInsUscc": USCC,
        "psnCertType": "111",
        "certno": "110101197804050038",
        "examPart": "CT0100001",
    }

    def _national(self) -> hiimgindx.HiImgIndx:
        index = hiimgindx.parse(NATIONAL)
        assert index is not None
        return index

    def _sample(self, value: str = SAMPLE) -> hiimgindx.HiImgIndx:
        index = hiimgindx.parse(value)
        assert index is not None
        return index

    def test_consistent(self) -> None:
        assert hiimgindx.check_against_row(self._national(), self.ROW) == []
        assert hiimgindx.check_against_row(self._sample(), self.ROW) == []

    def test_seed_000_row_disagrees_with_its_index(self) -> None:
        # seed 000: the index says 2024-11-22 and USCC 123502004266007980, the row says
        # examDate 2023-04-02 and stogInsUscc 91310106575864243X.
        row = {
            "examDate": "2023-04-02",
            "stogInsUscc": "91310106575864243X",
            "psnCertType": "111",
            "certno": "110101197804050038",
            "examPart": "000000000",
        }
        assert hiimgindx.check_against_row(self._sample(SEED_000), row) == [
            Problem("hiimgindx_exam_date_mismatch", {"index_date": "2024-11-22", "examDate": "2023-04-02"}),
            Problem(
                "hiimgindx_uscc_mismatch",
                {"index_uscc": "123502004266007980", "stogInsUscc": "91310106575864243X"},
            ),
        ]

    def test_sample_cert_mismatch(self) -> None:
        row = dict(self.ROW, psnCertType="414", certno="E12345678")
        assert hiimgindx.check_against_row(self._sample(), row) == [
            Problem("hiimgindx_cert_type_mismatch", {"index_cert_type": "111", "psnCertType": "414"}),
            Problem("hiimgindx_certno_mismatch", {"index_certno": "110101197804050038", "certno": "E12345678"}),
        ]

    def test_certno_compares_case_insensitively(self) -> None:
        index = self._sample(SAMPLE.replace("110101197804050038", "11010519491231002X"))
        row = dict(self.ROW, certno="11010519491231002x")
        assert hiimgindx.check_against_row(index, row) == []

    def test_national_body_part(self) -> None:
        index = self._national()
        assert hiimgindx.check_against_row(index, dict(self.ROW, examPart="MR0200001|CT0100001")) == []
        assert hiimgindx.check_against_row(index, dict(self.ROW, examPart="MR0200001|MR0200002")) == [
            Problem("hiimgindx_body_part_mismatch", {"index_body_part": "CT0100001", "examPart": "MR0200001|MR0200002"})
        ]

    def test_national_ignores_cert_fields(self) -> None:
        row = dict(self.ROW, psnCertType="414", certno="E12345678")
        assert hiimgindx.check_against_row(self._national(), row) == []

    def test_sample_ignores_exam_part(self) -> None:
        assert hiimgindx.check_against_row(self._sample(), dict(self.ROW, examPart="MR0200001")) == []

    @pytest.mark.parametrize(
        "row",
        [
            {},
            {"examDate": "", "stogInsUscc": None},
            {"examDate": "20241123", "examPart": 5},
            {"examDate": "2024-11-31"},
        ],
    )
    def test_missing_or_malformed_fields_are_skipped(self, row: dict[str, object]) -> None:
        assert hiimgindx.check_against_row(self._national(), row) == []

    def test_uscc_compares_case_insensitively(self) -> None:
        assert hiimgindx.check_against_row(self._national(), dict(self.ROW, stogInsUscc=USCC.lower())) == []


def test_generated_values_are_valid() -> None:
    code = uscc.make("1", "2", "350200", "42660079")
    value = hiimgindx.make_national("9" * 26, datetime(2025, 9, 26, 8, 0), "DX0300001", "0" * 13, code)
    assert hiimgindx.check(value) == []
