"""The seeds' dictionaries as data (reference/dictionaries/*.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reference import dictionaries
from reference.dictionaries import Dictionary

NAMES = dictionaries.names()
SOURCE = re.compile(r"seeds/00[0-4]_[0-9a-f]{16}\.txt|GA/T 2000\.156|GB/T 2261")

# INTERFACES.md "Codes and identifiers to validate", mapped to file names.
REQUIRED = [
    "gend", "hosp_lv", "img_exam_type", "prfs", "psn_cert_type", "exam_way", "exam_rslt_code", "mrg_stas",
    "gateway_patient_type", "province_patient_type", "gateway_sex", "province_sex", "gateway_charge_type",
    "regional_charge_type", "gateway_doctor_type", "province_modality", "regional_modality", "province_married",
    "province_other_no_type", "province_report_status", "regional_exam_class", "regional_exam_part",
    "regional_specimen_category",
]


def test_there_are_dictionaries() -> None:
    assert len(NAMES) >= len(REQUIRED)
    assert set(REQUIRED) <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_loads_and_is_well_formed(name: str) -> None:
    d = dictionaries.get(name)
    assert isinstance(d, Dictionary)
    assert d.name == name
    assert d.title_zh
    assert SOURCE.search(d.source), d.source
    assert d.codes, "no codes"
    assert all(isinstance(k, str) and k and isinstance(v, str) and v for k, v in d.codes.items())
    for profile, added in d.profile_additions.items():
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in added.items()), profile
    for profile, removed in d.profile_removals.items():
        assert removed <= set(d.codes), profile
    assert dictionaries.codes(name) == frozenset(d.codes)


def test_get_is_cached() -> None:
    assert dictionaries.get("gend") is dictionaries.get("gend")


def test_unknown_dictionary() -> None:
    with pytest.raises(KeyError):
        dictionaries.get("no_such_dictionary")


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("gend", {"0", "1", "2", "9"}),
        ("hosp_lv", {f"{i:02d}" for i in range(1, 15)}),
        ("img_exam_type", {"1", "2", "3", "4", "5"}),
        ("exam_way", {str(i) for i in range(1, 10)}),
        ("exam_rslt_code", {"1", "2", "3"}),
        ("prfs", {"11", "13", "17", "21", "24", "27", "31", "37", "51", "54", "70", "80", "90"}),
        ("gateway_charge_type", {"01", "02", "03"}),
        ("province_positive", {"-1", "1", "100"}),
        ("syninfo_exam_status", {"00", "20", "50", "70"}),
    ],
)
def test_default_codes(name: str, codes: set[str]) -> None:
    assert dictionaries.codes(name) == codes


def test_leading_zeros_are_kept() -> None:
    assert dictionaries.label("hosp_lv", "01") == "三级特等"
    assert dictionaries.label("hosp_lv", "1") is None
    assert dictionaries.label("hosp_lv", "07") == "二级丙等"


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("img_exam_type", {"1", "2", "3", "4", "5", "9"}),  # 002 adds 9 其他
        ("exam_way", {"1", "2", "9"}),  # 002 lists 1, 2, 9 only
        ("gend", {"0", "1", "2", "9"}),  # not mentioned by the profile: default list
    ],
)
def test_sichuan_profile(name: str, codes: set[str]) -> None:
    assert dictionaries.codes(name, "sichuan-2025-09") == codes
    assert dictionaries.get(name).codes_for("sichuan-2025-09") == codes


def test_profile_labels() -> None:
    assert dictionaries.label("img_exam_type", "9") is None
    assert dictionaries.label("img_exam_type", "9", "sichuan-2025-09") == "其他"
    assert dictionaries.label("exam_way", "3", "sichuan-2025-09") is None


def test_unknown_profile_gets_the_default() -> None:
    assert dictionaries.codes("img_exam_type", "no-such-profile") == dictionaries.codes("img_exam_type")


def test_psn_cert_type_common_codes() -> None:
    d = dictionaries.get("psn_cert_type")
    assert "GA/T 2000.156-2016" in d.source
    assert {"111", "112", "113", "114", "115", "414", "511", "516", "990"} <= set(d.codes)
    assert d.codes["111"] == "居民身份证"


def test_odd_specimen_codes_survive_yaml() -> None:
    codes = dictionaries.codes("regional_specimen_category")
    assert {"{", "\\", "+", "d", "J", "BLDCO"} <= codes


def test_exam_class_codes() -> None:
    assert dictionaries.codes("regional_exam_class") == {
        "CT", "MR", "DSA", "X-Ray", "US", "Microscopy", "ES", "NM", "OT", "ECG"
    }


def test_names_returns_a_copy() -> None:
    names = dictionaries.names()
    names.clear()
    assert dictionaries.names()


def test_all_dictionaries() -> None:
    assert [d.name for d in dictionaries.all_dictionaries()] == NAMES


def test_loader_rejects_unquoted_numeric_codes(tmp_path: Path) -> None:
    from reference.dictionaries import _load

    bad = tmp_path / "bad.yaml"
    text = "name: bad\ntitle_zh: 坏\nsource: seeds/000_ce4dc14844c2d527.txt\ncodes:\n  01: x\n"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="strings"):
        _load(bad)


def test_loader_rejects_name_mismatch(tmp_path: Path) -> None:
    from reference.dictionaries import _load

    bad = tmp_path / "other.yaml"
    bad.write_text('name: bad\ntitle_zh: x\nsource: s\ncodes:\n  "1": x\n', encoding="utf-8")
    with pytest.raises(ValueError, match="name"):
        _load(bad)
