"""Chinese person names in DICOM: splitting family and given name, pinyin, the component
groups of PS3.5 §6.2.1.2, and C-FIND matching of a PN key against a stored name.

Pinyin comes from ``pypinyin`` (its most common reading of each character) with the family
names whose reading as a surname differs (单 Shan, 曾 Zeng, 解 Xie …) taken from a table, as
Chinese registration systems do.  Romanised names are written the way mainland PACS write
them: ``Zhang^Xiaoming`` (family name, given name joined, first letters capital, ü as v).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any, Final

from .forms import NameStyle

__all__ = ["split_chinese", "romanize_name", "person_name", "romanize_text", "groups", "pn_matcher",
           "has_ideographs", "ideographic_in_first_group", "pinyin_pattern", "romanized_form", "same_person"]

#: Compound family names (复姓) a two-character prefix is read as.
COMPOUND_SURNAMES: Final = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "令狐", "端木", "万俟", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "公冶", "太史", "申屠",
})
#: Family names whose surname reading is not the character's most common one.
SURNAME_READINGS: Final = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha", "覃": "qin",
    "尉": "wei", "乐": "yue", "盖": "ge", "缪": "miao", "翟": "zhai", "秘": "bi", "种": "chong", "燕": "yan",
    "华": "hua", "任": "ren", "纪": "ji", "冼": "xian", "阚": "kan", "柏": "bai", "薄": "bo", "员": "yun",
    "句": "gou", "能": "nai", "长孙": "zhangsun", "尉迟": "yuchi", "万俟": "moqi", "单于": "chanyu",
    "召": "shao", "繁": "po", "隗": "wei", "亓": "qi", "宿": "su", "都": "du", "谌": "chen", "牟": "mou",
    "祭": "zhai", "蕃": "pi", "过": "guo", "那": "na", "相": "xiang", "车": "che", "卜": "bu", "石": "shi",
}
_NAME_TRANSLATE: Final = str.maketrans({"·": " ", "•": " ", "．": " "})


def has_ideographs(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


def split_chinese(name: str) -> tuple[str, str]:
    """``(family, given)`` of a Chinese name: a compound surname when the name starts with one
    and is longer than it, otherwise the first character."""
    name = name.strip()
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _syllables(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin  # its dictionaries take ~0.25 s to import: not at every start-up

    syllables: Any = lazy_pinyin(text, style=Style.NORMAL, v_to_u=False, errors="default")
    return [str(s) for s in syllables]


def _surname(family: str) -> str:
    if family in SURNAME_READINGS:
        return SURNAME_READINGS[family]
    return "".join(SURNAME_READINGS.get(ch) or _syllables(ch)[0] for ch in family)


def romanize_name(name: str) -> str:
    """``张晓明`` -> ``Zhang^Xiaoming``; a name already in Latin letters is returned as it is."""
    if not has_ideographs(name):
        return name
    family, given = split_chinese(name)
    given_py = "".join(_syllables(given.translate(_NAME_TRANSLATE))).replace(" ", "")
    return f"{_surname(family).capitalize()}^{given_py.capitalize()}"


def person_name(name: str, style: NameStyle) -> str:
    """A Chinese name as a PN value in ``style`` (``reference.dicomtext.forms``)."""
    if not has_ideographs(name):
        return name
    if style == "bare":
        return name
    alphabetic = romanize_name(name)
    if style == "alphabetic":
        return alphabetic
    family, given = split_chinese(name)
    return f"{alphabetic}={family}^{given}"


_PUNCT: Final = str.maketrans({"。": ".", "、": ",", "《": "<", "》": ">", "【": "[", "】": "]", "「": '"', "」": '"',
                               "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "—": "-", "·": " "})


def romanize_text(text: str, limit: int | None = None) -> str:
    """Any text as ASCII: Chinese as upper-case pinyin syllables separated by spaces, full-width
    forms folded (NFKC), anything else left as ``?``; cut to ``limit`` characters (the VR's)."""
    if text.isascii():
        return text[:limit] if limit else text
    folded = unicodedata.normalize("NFKC", text.translate(_PUNCT))
    words: list[str] = []
    for chunk in re.split(r"([\u3400-\u9fff\uf900-\ufaff]+)", folded):
        if not chunk:
            continue
        if has_ideographs(chunk):
            words.append(" ".join(s.upper() for s in _syllables(chunk)))
        else:
            words.append("".join(c if c.isascii() else "?" for c in chunk).strip())
    out = " ".join(w for w in words if w)
    return out[:limit].rstrip() if limit else out


# -- component groups -----------------------------------------------------------------------------
def groups(value: str) -> tuple[str, str, str]:
    """A PN value's alphabetic, ideographic and phonetic component groups (PS3.5 §6.2.1)."""
    parts = (value.split("=") + ["", ""])[:3]
    return parts[0], parts[1], parts[2]


def ideographic_in_first_group(value: str) -> bool:
    """Chinese characters in the alphabetic group (``张三`` rather than ``Zhang^San=张^三``): the
    retired form PS3.5 §6.2.1.2 replaced with component groups."""
    return has_ideographs(groups(value)[0])


@functools.lru_cache(maxsize=4096)
def _char_readings(ch: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    options = pinyin(ch, style=Style.NORMAL, heteronym=True, v_to_u=False)[0]
    extra = (SURNAME_READINGS[ch],) if ch in SURNAME_READINGS else ()
    return tuple(dict.fromkeys([*options, *extra]))


def pinyin_pattern(text: str) -> re.Pattern[str]:
    """A pattern matching every pinyin spelling of ``text`` (any reading of each character,
    syllables joined, case-insensitive; separators ``^`` and spaces ignored), DICOM wildcards
    kept: ``*`` any run, ``?`` one character's syllable."""
    parts = []
    for ch in text:
        if has_ideographs(ch):
            parts.append("(?:" + "|".join(re.escape(r) for r in _char_readings(ch)) + ")")
        elif ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append("[a-z]+")
        elif ch not in "^ ":
            parts.append(re.escape(ch.lower()))
    return re.compile("".join(parts), re.IGNORECASE)


def romanized_form(value: str) -> str:
    """A name or text without separators, lower case: how a pinyin spelling is compared."""
    return re.sub(r"[\s^=·-]", "", value).lower()


def _pattern(query: str) -> re.Pattern[str]:
    """A DICOM wildcard match (``*`` any run, ``?`` one character; PS3.4 C.2.2.2.4), whole value."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in query)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def _variants(group: str) -> list[str]:
    """A stored group as it may be matched: as written (trailing empty components removed),
    and without its ``^`` separators (a query ``张三`` finds ``张^三``)."""
    trimmed = group.rstrip("^")
    return [trimmed, trimmed.replace("^", ""), trimmed.replace("^", " ")]


@functools.lru_cache(maxsize=256)
def pn_matcher(query: str) -> Callable[[str], bool]:
    """A predicate ``stored PN value -> bool`` for the C-FIND key ``query`` (PS3.4 C.2.2.2:
    single value or wildcard).  Implementation choices, as PS3.4 C.2.2.2.1 allows: matching is
    case-insensitive; a key without ``=`` matches any component group; a key without ``^``
    also matches a group whose components are joined; a Chinese key also matches a stored
    name that has only its pinyin (any reading of each character)."""
    query = query.strip()
    if query in ("", "*"):
        return lambda stored: True
    if "=" in query:
        wanted = [(i, _pattern(q.rstrip("^"))) for i, q in enumerate(groups(query)) if q and q != "*"]
        return lambda stored: all(any(p.fullmatch(v) for v in _variants(groups(stored)[i])) for i, p in wanted)
    direct = _pattern(query.rstrip("^"))
    spelled = pinyin_pattern(query) if has_ideographs(query) else None

    def match(stored: str) -> bool:
        parts = [g for g in groups(stored) if g]
        if any(direct.fullmatch(v) for g in parts for v in _variants(g)):
            return True
        if spelled is not None and not any(has_ideographs(g) for g in parts):
            return any(spelled.fullmatch(romanized_form(g)) for g in parts)
        return False
    return match


def same_person(row_name: str, pn_value: str) -> bool:
    """Whether a row's name (``张三``) and a PN value name the same person: the ideographic
    group (or a bare ideographic name) equal without separators; a pinyin-only name spelling
    one of the row name's readings; empty on either side is not a disagreement."""
    row = re.sub(r"[\s^·]", "", row_name)
    if not row or not pn_value.strip():
        return True
    alphabetic, ideographic, _ = groups(pn_value)
    for group in (ideographic, alphabetic):
        if has_ideographs(group):
            return re.sub(r"[\s^]", "", group) == row
    if has_ideographs(row):
        return bool(pinyin_pattern(row).fullmatch(romanized_form(alphabetic)))
    return romanized_form(alphabetic) == romanized_form(row)
