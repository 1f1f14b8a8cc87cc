"""Character sets, forms and names (reference.dicomtext): the DICOM standard's own Chinese
examples byte for byte, what Chinese bytes really are, pinyin and PN matching."""
from __future__ import annotations

from typing import get_args

import pytest

from reference.config import DicomCharset
from reference.dicomtext import FORMS, charsets
from reference.dicomtext.names import (
    person_name,
    pn_matcher,
    romanize_name,
    romanize_text,
    same_person,
    split_chinese,
)

# DICOM PS3.5 Annex K (ISO 2022 IR 58): "Zhang^XiaoDong=张^小东=", GB 2312 designated to G1
# by ESC $ ) A at the start of each ideographic component; Annex J (GB18030): no escapes.
ANNEX_K = b"Zhang^XiaoDong=\x1b$)A\xd5\xc5^\x1b$)A\xd0\xa1\xb6\xab="
ANNEX_J = b"Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab="


def test_iso_2022_ir_58_reads_and_writes_the_standards_example() -> None:
    terms = ("ISO 2022 IR 6", "ISO 2022 IR 58")
    assert charsets.decode(ANNEX_K, terms, vr="PN") == "Zhang^XiaoDong=张^小东="
    assert charsets.encode("Zhang^XiaoDong=张^小东=", "dicom-ir58", vr="PN") == ANNEX_K
    # outside PN only control characters and the value delimiter reset the designation
    assert charsets.encode("头颅CT平扫", "dicom-ir58") == b"\x1b$)A" + "头颅".encode("gb2312") + b"CT" + "平扫".encode("gb2312")
    # 8-bit bytes with no designation are not ISO 2022 IR 58 (GBK under that label)
    assert charsets.decode("张三".encode("gbk"), terms, vr="PN") is None


def test_gb18030_reads_the_standards_example() -> None:
    assert charsets.decode(ANNEX_J, ("GB18030",), vr="PN") == "Wang^XiaoDong=王^小东="
    assert charsets.decode(ANNEX_J, ("ISO_IR 192",), vr="PN") is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("张三".encode("gbk"), "GBK"),
    ("张三".encode(), "UTF-8"),
    ("𠮷张".encode("gb18030"), "GB18030"),  # a four-byte GB18030 sequence: not GBK
    (ANNEX_K, "GB2312"),
    ("Müller".encode("latin-1"), None),  # valid GBK bytes, but not Chinese
    ("Straße Köln".encode("latin-1"), None),
    (b"Zhang^San", None),
])
def test_guess_names_what_the_bytes_are(raw: bytes, expected: str | None) -> None:
    assert charsets.guess(raw) == expected


def test_misread_is_what_a_trusting_receiver_shows() -> None:
    gbk = "张三".encode("gbk")
    assert charsets.misread(gbk, ("ISO_IR 100",)) == "ÕÅÈý"
    assert charsets.misread(gbk, ()) == "ÕÅÈý"
    assert "\ufffd" in charsets.misread(gbk, ("ISO_IR 192",))


def test_every_form_is_a_configurable_name() -> None:
    assert set(get_args(DicomCharset)) == set(FORMS)
    for form in FORMS.values():
        assert all(t in charsets.DEFINED_TERMS for t in form.label), form.name
        assert form.zh and form.en and form.source
    assert {f.name for f in FORMS.values() if not f.fault} == {"utf8", "gb18030", "gbk", "iso2022-gb2312", "pinyin"}


@pytest.mark.parametrize(("name", "family", "romanized"), [
    ("张晓明", "张", "Zhang^Xiaoming"),
    ("欧阳修", "欧阳", "Ouyang^Xiu"),
    ("单雄信", "单", "Shan^Xiongxin"),  # the surname reading, not dan
    ("曾国藩", "曾", "Zeng^Guofan"),
    ("吕雯", "吕", "Lv^Wen"),
])
def test_names_split_and_romanize(name: str, family: str, romanized: str) -> None:
    assert split_chinese(name)[0] == family
    assert romanize_name(name) == romanized
    assert person_name(name, "groups") == f"{romanized}={family}^{name[len(family):]}"
    assert person_name(name, "alphabetic") == romanized
    assert person_name(name, "bare") == name


def test_romanized_text_is_ascii_within_the_vr_length() -> None:
    text = romanize_text("广元市中心医院（东院区）", 64)
    assert text.isascii() and text.startswith("GUANG YUAN SHI") and len(text) <= 64
    assert romanize_text("CT1室", 16) == "CT1 SHI"


@pytest.mark.parametrize(("query", "stored", "matches"), [
    ("张*", "Zhang^San=张^三", True),
    ("张三", "Zhang^San=张^三", True),  # components joined
    ("ZHANG*", "Zhang^San=张^三", True),  # case-insensitive alphabetic group
    ("Zhang^San", "Zhang^San=张^三", True),
    ("李*", "Zhang^San=张^三", False),
    ("张*", "Zhang^San", True),  # pinyin-only name, Chinese key
    ("单雄信", "Shan^Xiongxin", True),  # any reading of each character
    ("张三", "张三", True),  # the retired bare form
    ("=张^三", "Zhang^San=张^三", True),  # group-wise key
    ("=李^四", "Zhang^San=张^三", False),
    ("Zh?ng*", "Zhang^San", True),
    ("*", "", True),
])
def test_pn_matching(query: str, stored: str, matches: bool) -> None:
    assert pn_matcher(query)(stored) is matches


def test_same_person_across_name_forms() -> None:
    assert same_person("张三", "Zhang^San=张^三")
    assert same_person("张三", "Zhang^San")
    assert same_person("张三", "张三")
    assert not same_person("张三", "Li^Si=李^四")
    assert not same_person("张三", "Li^Si")
    assert same_person("广元市中心医院", "GUANG YUAN SHI ZHONG XIN YI YUAN")


def test_an_unknown_form_fails_at_start_naming_the_key() -> None:
    from reference.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=r"parties\.hospital\.dicom_charset"):
        load_config(None, parties={"hospital": {"dicom_charset": "gb2312"}})
    assert load_config(None).institution("H51080200011").dicom_charset == "utf8"  # type: ignore[union-attr]
