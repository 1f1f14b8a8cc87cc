"""DICOM character sets: the defined terms of (0008,0005) Specific Character Set, decoding and
encoding text values under them, and recognising what Chinese bytes really are.

Defined terms: DICOM PS3.3 C.12.1.1.2 (Tables C.12-2 to C.12-5); code extensions (ISO 2022
escape sequences and where they reset): PS3.5 §6.1.2.4–6.1.2.5.  pydicom 3.0 writes
``ISO 2022 IR 58`` text without its escape sequence and leaves ``ESC $ ) A`` in decoded text,
so that term has its own codec here (``_decode_ir58`` / ``_encode_ir58``); the others are
Python codecs.  Everything works on bytes, element by element, and never warns: a value that
does not decode is an answer (``None``), not an exception.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "CODECS", "DEFINED_TERMS", "TEXT_VRS", "CharacterSet", "decode", "decode_as", "encode", "guess", "is_default",
    "looks_chinese", "misread", "terms_of", "unknown_terms",
]

#: VRs whose values (0008,0005) governs (PS3.5 §6.1.2.3); every other VR is the default repertoire.
TEXT_VRS: Final = frozenset({"SH", "LO", "ST", "LT", "PN", "UC", "UT"})
ESC: Final = 0x1B


@dataclass(frozen=True)
class CharacterSet:
    """One defined term: its Python codec, whether it is a multi-byte set, its table."""

    term: str
    codec: str
    multibyte: bool
    table: str


#: (0008,0005) defined terms -> codec (PS3.3 Tables C.12-2 … C.12-5).  ``ISO 2022 IR 58``'s codec
#: is this module's (GB 2312 in G1, designated by ESC $ ) A); ``ascii`` is the default repertoire.
DEFINED_TERMS: Final[dict[str, CharacterSet]] = {
    cs.term: cs for cs in (
        # C.12-2 single-byte, no code extensions (absent = the default repertoire, ISO-IR 6)
        CharacterSet("ISO_IR 6", "ascii", False, "C.12-2"),  # written in the field; the default
        CharacterSet("ISO_IR 100", "latin_1", False, "C.12-2"),
        CharacterSet("ISO_IR 101", "iso8859_2", False, "C.12-2"),
        CharacterSet("ISO_IR 109", "iso8859_3", False, "C.12-2"),
        CharacterSet("ISO_IR 110", "iso8859_4", False, "C.12-2"),
        CharacterSet("ISO_IR 144", "iso8859_5", False, "C.12-2"),
        CharacterSet("ISO_IR 127", "iso8859_6", False, "C.12-2"),
        CharacterSet("ISO_IR 126", "iso8859_7", False, "C.12-2"),
        CharacterSet("ISO_IR 138", "iso8859_8", False, "C.12-2"),
        CharacterSet("ISO_IR 148", "iso8859_9", False, "C.12-2"),
        CharacterSet("ISO_IR 203", "iso8859_15", False, "C.12-2"),
        CharacterSet("ISO_IR 13", "shift_jis", False, "C.12-2"),
        CharacterSet("ISO_IR 166", "tis_620", False, "C.12-2"),
        # C.12-3 single-byte with code extensions
        CharacterSet("ISO 2022 IR 6", "ascii", False, "C.12-3"),
        CharacterSet("ISO 2022 IR 100", "latin_1", False, "C.12-3"),
        CharacterSet("ISO 2022 IR 101", "iso8859_2", False, "C.12-3"),
        CharacterSet("ISO 2022 IR 144", "iso8859_5", False, "C.12-3"),
        CharacterSet("ISO 2022 IR 13", "shift_jis", False, "C.12-3"),
        # C.12-4 multi-byte with code extensions
        CharacterSet("ISO 2022 IR 87", "iso2022_jp", True, "C.12-4"),
        CharacterSet("ISO 2022 IR 159", "iso2022_jp_2", True, "C.12-4"),
        CharacterSet("ISO 2022 IR 149", "euc_kr", True, "C.12-4"),
        CharacterSet("ISO 2022 IR 58", "dicom-ir58", True, "C.12-4"),
        # C.12-5 multi-byte without code extensions
        CharacterSet("ISO_IR 192", "utf-8", True, "C.12-5"),
        CharacterSet("GB18030", "gb18030", True, "C.12-5"),
        CharacterSet("GBK", "gbk", True, "C.12-5"),
    )
}
_DEFAULT_TERMS: Final = frozenset({"", "ISO_IR 6", "ISO 2022 IR 6"})
#: Control characters and delimiters after which ISO 2022 designations return to their initial
#: state (PS3.5 §6.1.2.5.3): CR, LF, FF, TAB, the value delimiter; in PN also ^ and =.
_RESETS: Final = frozenset(b"\r\n\f\t\\")
_PN_RESETS: Final = _RESETS | frozenset(b"^=")
_IR58: Final = b"\x1b$)A"  # designate GB 2312 to G1 (PS3.3 Table C.12-4)


def terms_of(value: object) -> tuple[str, ...]:
    """(0008,0005) as a tuple of terms (surrounding spaces removed; ``()`` when absent or empty)."""
    if value is None:
        return ()
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    items = value.split("\\") if isinstance(value, str) else [str(v) for v in value]  # type: ignore[attr-defined]
    terms = tuple(item.strip() for item in items)
    return () if not any(terms) else terms


def is_default(terms: Sequence[str]) -> bool:
    """No character set beyond the default repertoire is declared."""
    return all(t in _DEFAULT_TERMS for t in terms)


def unknown_terms(terms: Sequence[str]) -> list[str]:
    """Values of (0008,0005) that are not defined terms (``UTF-8``, ``GB2312``, ``ISO_IR_192`` …)."""
    return [t for t in terms if t and t not in DEFINED_TERMS]


def _strip(raw: bytes) -> bytes:
    return raw.rstrip(b" \x00")


# -- ISO 2022 IR 58 ------------------------------------------------------------------------------
def _decode_ir58(raw: bytes, initial_g1: str | None, pn: bool) -> str:
    """ISO 2022 text with GB 2312 designated to G1 by ESC $ ) A; designations reset after the
    delimiters of PS3.5 §6.1.2.5.3.  Raises ``UnicodeDecodeError`` on a high byte with no
    multi-byte set designated, or an escape sequence it does not know."""
    resets = _PN_RESETS if pn else _RESETS
    out: list[str] = []
    g1, i, n = initial_g1, 0, len(raw)
    while i < n:
        b = raw[i]
        if b == ESC:
            seq = raw[i:i + 4]
            if seq == _IR58:
                g1, i = "gb2312", i + 4
            elif seq[:3] == b"\x1b-A":
                g1, i = "latin_1", i + 3
            elif seq[:3] in (b"\x1b(B", b"\x1b(J"):
                i += 3
            else:
                raise UnicodeDecodeError("dicom-ir58", raw, i, i + 1, "unknown escape sequence")
        elif b < 0x80:
            out.append(chr(b))
            if b in resets:
                g1 = initial_g1
            i += 1
        elif g1 == "gb2312":
            out.append(raw[i:i + 2].decode("gb2312"))
            i += 2
        elif g1 == "latin_1":
            out.append(chr(b))
            i += 1
        else:
            raise UnicodeDecodeError("dicom-ir58", raw, i, i + 1, "8-bit byte with no character set designated (no ESC $ ) A)")
    return "".join(out)


def _encode_ir58(text: str, pn: bool) -> bytes:
    """GB 2312 in G1: ESC $ ) A before the first Chinese character after each reset point
    (PS3.5 §6.1.2.5.3; the Chinese person-name example of PS3.5 Annex K repeats it after ^)."""
    resets = _PN_RESETS if pn else _RESETS
    out, designated = bytearray(), False
    for ch in text:
        if ch.isascii():
            out += ch.encode("ascii")
            if ord(ch) in resets:
                designated = False
            continue
        if not designated:
            out += _IR58
            designated = True
        out += ch.encode("gb2312")
    return bytes(out)


# -- decode / encode ---------------------------------------------------------------------------
def decode(raw: bytes, terms: Sequence[str], *, vr: str = "LO") -> str | None:
    """``raw`` (one element's value, padding removed) read as (0008,0005) ``terms`` say, or None
    when the bytes are not valid there (an undefined term reads as the default repertoire)."""
    raw = _strip(raw)
    first = terms[0] if terms else ""
    rest = [t for t in terms[1:] if t]
    try:
        if first == "ISO 2022 IR 58" or "ISO 2022 IR 58" in rest or (ESC in raw and _IR58 in raw):
            initial = "latin_1" if first in ("ISO 2022 IR 100",) else None
            return _decode_ir58(raw, initial, vr == "PN")
        if rest and ESC in raw:  # other code extensions: pydicom's decoder
            from pydicom.charset import convert_encodings, decode_bytes
            return decode_bytes(raw, convert_encodings(list(terms)), set(b"^=" if vr == "PN" else b""))
        charset = DEFINED_TERMS.get(first)
        return raw.decode(charset.codec if charset else "ascii")
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def encode(text: str, codec: str, *, vr: str = "LO") -> bytes:
    """``text`` in ``codec`` (a Python codec, or ``dicom-ir58``); ``UnicodeEncodeError`` if it
    cannot be.  The caller pads to even length."""
    if codec == "dicom-ir58":
        return _encode_ir58(text, vr == "PN")
    return text.encode(codec)


# -- what the bytes really are ---------------------------------------------------------------------
_CJK: Final = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x2FA1F))
_CJK_EXTRA: Final = frozenset("·—‘’“”…×°№§")


def _cjk(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _CJK)


def looks_chinese(text: str) -> bool:
    """Every non-ASCII character is a CJK character or common Chinese punctuation, and there is
    at least one ideograph: how a GBK/GB18030 decode of real Chinese text looks (Latin-1 text
    such as ``Müller`` happens to be valid GBK too, but decodes to one stray ideograph beside
    ASCII letters, which the pair test below rejects)."""
    ideographs = [c for c in text if _cjk(c)]
    return bool(ideographs) and all(c.isascii() or _cjk(c) or c in _CJK_EXTRA for c in text)


def _gb_pairs_plausible(raw: bytes) -> bool:
    """Chinese in GBK is mostly GB 2312 (both bytes 0xA1-0xFE), GB18030 adds four-byte
    sequences (digit second and fourth bytes); a Latin-1 accented letter followed by an ASCII
    letter is a GBK pair too, but neither of those."""
    highs = plausible = i = 0
    n = len(raw)
    while i < n:
        b = raw[i]
        if b < 0x80:
            i += 1
            continue
        if i + 3 < n and 0x30 <= raw[i + 1] <= 0x39 and raw[i + 2] >= 0x81 and 0x30 <= raw[i + 3] <= 0x39:
            highs, plausible, i = highs + 4, plausible + 4, i + 4
            continue
        pair = raw[i + 1] if i + 1 < n else 0
        highs += 2
        plausible += 2 if b >= 0xA1 and pair >= 0xA1 else 0
        i += 2
    return plausible >= highs * 0.6


def guess(raw: bytes) -> str | None:
    """Which encoding non-ASCII ``raw`` bytes are: ``UTF-8``, ``GBK``, ``GB18030``, ``GB2312``
    (ISO 2022 IR 58, escape sequences present), or None (not recognisably any of them, e.g.
    real Latin-1 text)."""
    raw = _strip(raw)
    if raw.isascii() and ESC not in raw:
        return None
    if _IR58 in raw and _decode_or_none(raw, "ir58") is not None:
        return "GB2312"
    utf8 = _decode_or_none(raw, "utf-8")
    if utf8 is not None and (looks_chinese(utf8) or _european(utf8)):
        return "UTF-8"
    for codec, name in (("gbk", "GBK"), ("gb18030", "GB18030")):
        text = _decode_or_none(raw, codec)
        if text is not None and looks_chinese(text) and _gb_pairs_plausible(raw):
            return name
    return "UTF-8" if utf8 is not None else None


def _european(text: str) -> bool:
    """UTF-8 that reads as Western text (Latin-1 supplement, Latin Extended-A): short GBK
    strings can be valid UTF-8 too (头颅CT平扫 in GBK reads ``ͷ\xadCTƽɨ``), but not that."""
    return all(c.isascii() or 0xA0 <= ord(c) <= 0x17F for c in text)


#: ``guess`` names -> the Python codec that decodes them.
CODECS: Final = {"UTF-8": "utf-8", "GBK": "gbk", "GB18030": "gb18030", "GB2312": "dicom-ir58"}


def _decode_or_none(raw: bytes, codec: str) -> str | None:
    try:
        if codec in ("ir58", "dicom-ir58"):
            return _decode_ir58(raw, None, True)
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_as(raw: bytes, name: str, *, vr: str = "LO") -> str | None:
    """``raw`` decoded as the encoding ``guess`` named."""
    raw = _strip(raw)
    if name == "GB2312":
        try:
            return _decode_ir58(raw, None, vr == "PN")
        except UnicodeDecodeError:
            return None
    return _decode_or_none(raw, CODECS[name])


def misread(raw: bytes, terms: Sequence[str], *, vr: str = "LO") -> str:
    """What a receiver that trusts (0008,0005) shows: the declared decoding, or — where the
    bytes are invalid there — that decoding with replacement characters (U+FFFD); with no
    (0008,0005), the Latin-1 reading most viewers fall back to."""
    raw = _strip(raw)
    charset = DEFINED_TERMS.get(terms[0]) if terms else None
    if charset is None or charset.codec in ("ascii", "dicom-ir58", "iso2022_jp", "iso2022_jp_2"):
        return raw.decode("latin_1")
    return raw.decode(charset.codec, errors="replace")
