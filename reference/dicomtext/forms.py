"""The character-set forms a simulated hospital writes its studies in, and an SCP or WADO
serves them in: four forms seen in Chinese PACS, and named faults (a deliberately wrong
(0008,0005)) as real systems send them.

A form is data: the (0008,0005) it writes (its *label*), how the text bytes are really
encoded (its *codec*), and how person names are written (*names*):

- ``groups``: alphabetic and ideographic component groups, ``Zhang^San=张^三`` (PS3.5
  §6.2.1.2; the Chinese examples of PS3.5 Annexes J and K);
- ``alphabetic``: pinyin only, ``Zhang^San``; every other text romanised too, so the data set
  needs no (0008,0005);
- ``bare``: one ideographic string, ``张三`` — the retired form dciodvfy warns about, which
  the mislabelling PACS of the faults also write.

Configuration: ``institutions[].dicom_charset`` (how a simulated hospital writes its studies)
and ``parties.<party>.dicom_charset`` (what that party's SCP — and the hospital's WADO-URI —
serves, re-encoding stored instances; unset: as stored).  ``reference.config.model.DicomCharset``
lists the same names (a test keeps them equal).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["FORMS", "Form", "form_of"]

NameStyle = Literal["groups", "alphabetic", "bare"]


@dataclass(frozen=True)
class Form:
    name: str
    label: tuple[str, ...]  # (0008,0005) as written; () = absent
    codec: str  # how text really is encoded (charsets.encode)
    names: NameStyle
    zh: str
    en: str
    fault: bool = False
    source: str = "DICOM PS3.3 C.12.1.1.2; PS3.5 §6.1, §6.2.1.2"


FORMS: Final[dict[str, Form]] = {f.name: f for f in (
    Form("utf8", ("ISO_IR 192",), "utf-8", "groups",
         "UTF-8（ISO_IR 192），姓名为拼音=汉字两个组件组", "UTF-8 (ISO_IR 192), names as pinyin=ideographic component groups",
         source="DICOM PS3.3 Table C.12-5; PS3.5 Annex J (ISO_IR 192 example)"),
    Form("gb18030", ("GB18030",), "gb18030", "groups",
         "GB18030，姓名为拼音=汉字两个组件组", "GB18030, names as pinyin=ideographic component groups",
         source="DICOM PS3.3 Table C.12-5; PS3.5 Annex J; GB 18030-2005"),
    Form("gbk", ("GBK",), "gbk", "groups",
         "GBK，姓名为拼音=汉字两个组件组", "GBK, names as pinyin=ideographic component groups",
         source="DICOM PS3.3 Table C.12-5 (GBK); GB 18030"),
    Form("iso2022-gb2312", ("ISO 2022 IR 6", "ISO 2022 IR 58"), "dicom-ir58", "groups",
         "ISO 2022 IR 6\\ISO 2022 IR 58（GB2312，带转义序列 ESC $ ) A），姓名为拼音=汉字",
         "ISO 2022 IR 6\\ISO 2022 IR 58 (GB 2312 with the ESC $ ) A escape sequence), names as pinyin=ideographic",
         source="DICOM PS3.3 Table C.12-4; PS3.5 §6.1.2.5, Annex K; GB 2312-80"),
    Form("pinyin", (), "ascii", "alphabetic",
         "仅拼音（无 (0008,0005)，全部文本为 ASCII）", "pinyin only (no (0008,0005), all text ASCII)",
         source="DICOM PS3.5 §6.1.2.1 (default repertoire); PS3.5 §6.2.1"),
    # -- faults: the (0008,0005) disagrees with the bytes -----------------------------------------
    Form("mislabel-gbk-as-iso-ir-100", ("ISO_IR 100",), "gbk", "bare",
         "故障：GBK 字节却标为 ISO_IR 100（Latin-1），姓名为单个汉字串",
         "fault: GBK bytes labelled ISO_IR 100 (Latin-1), names as one ideographic string", fault=True,
         source="DICOM PS3.3 C.12.1.1.2; cornerstone dicomParser #89"),
    Form("unlabelled-gbk", (), "gbk", "bare",
         "故障：GBK 字节且没有 (0008,0005)，姓名为单个汉字串",
         "fault: GBK bytes with no (0008,0005), names as one ideographic string", fault=True,
         source="DICOM PS3.5 §6.1.2.1 (default repertoire), PS3.3 C.12.1.1.2"),
    Form("mislabel-utf8-as-iso-ir-100", ("ISO_IR 100",), "utf-8", "groups",
         "故障：UTF-8 字节却标为 ISO_IR 100", "fault: UTF-8 bytes labelled ISO_IR 100", fault=True,
         source="DICOM PS3.3 C.12.1.1.2; weasis-dicom-tools #24"),
    Form("mislabel-gb18030-as-iso-ir-192", ("ISO_IR 192",), "gb18030", "groups",
         "故障：GB18030 字节却标为 ISO_IR 192（UTF-8）", "fault: GB18030 bytes labelled ISO_IR 192 (UTF-8)", fault=True,
         source="DICOM PS3.3 C.12.1.1.2; OHIF #2716"),
)}


def form_of(name: str | None) -> Form | None:
    """The form of that name (None for None); ``KeyError`` for an unknown name."""
    return None if name is None else FORMS[name]
