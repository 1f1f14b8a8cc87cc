"""Re-encoding the text of a data set into a character-set form (``forms.FORMS``), bytes in,
bytes out: how a simulated hospital writes its studies in GB18030 or ISO 2022 IR 58 (pydicom
cannot write the latter correctly), and how an SCP or WADO-URI serves a stored instance in
the encoding its profile names, the faults included.

The data set is walked element by element (little endian, explicit or implicit VR; sequences
and items of defined or undefined length, their lengths recomputed); only the values of text
VRs (SH, LO, ST, LT, PN, UC, UT) and (0008,0005) change.  Each value is read the way the
forensics read it (what the bytes really are, so a mislabelled file is repaired rather than
garbled further), then written in the form's codec; (0008,0005) becomes the form's label
(removed for an unlabelled form; items' own (0008,0005) are dropped, their text following the
data set's).  Everything from the top-level Pixel Data element on is copied unchanged, so the
cost is the header's, not the image's.
"""
from __future__ import annotations

import struct
from typing import Final

from pydicom.datadict import dictionary_VR

from . import charsets
from .charsets import TEXT_VRS
from .forensics import best_text
from .forms import Form
from .names import groups, has_ideographs, romanize_name, romanize_text

__all__ = ["MalformedDataSet", "dataset_offset", "transcode_dataset", "transcode_file", "transcode_header"]

_LONG_VRS: Final = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})
_UNDEFINED: Final = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_PIXEL_DATA: Final = 0x7FE00010
_CHARSET: Final = 0x00080005
#: Maximum characters of a value per VR (PS3.5 Table 6.2-1), for romanised text.
_LIMITS: Final = {"SH": 16, "LO": 64, "ST": 1024, "LT": 10240, "PN": 64}


class MalformedDataSet(ValueError):
    """The bytes do not parse as a little-endian data set."""


def dataset_offset(data: bytes) -> int:
    """Where the data set starts in a Part-10 file (after preamble, ``DICM`` and the file meta group)."""
    if data[128:132] != b"DICM":
        raise MalformedDataSet("no DICM prefix at byte 128")
    pos = 132
    while pos + 8 <= len(data):
        group, _element = struct.unpack_from("<HH", data, pos)
        if group != 0x0002:
            return pos
        vr = data[pos + 4:pos + 6]
        if vr in _LONG_VRS:
            (length,) = struct.unpack_from("<L", data, pos + 8)
            pos += 12 + length
        else:
            (length,) = struct.unpack_from("<H", data, pos + 6)
            pos += 8 + length
    return pos


def _pad(value: bytes) -> bytes:
    return value + b" " if len(value) % 2 else value


def _target_text(text: str, vr: str, target: Form) -> str:
    if target.codec != "ascii" or text.isascii():
        return text
    if vr == "PN":  # pinyin only: the alphabetic group where there is one, else the name romanised
        names = []
        for value in text.split("\\"):
            alphabetic, ideographic, _ = groups(value)
            usable = alphabetic and not has_ideographs(alphabetic)
            names.append(alphabetic if usable else romanize_name(ideographic or alphabetic))
        return "\\".join(names)
    return romanize_text(text, _LIMITS.get(vr))


def _encode(text: str, vr: str, target: Form) -> bytes:
    text = _target_text(text, vr, target)
    try:
        return charsets.encode(text, target.codec, vr=vr)
    except UnicodeEncodeError:  # a character the target cannot hold (GB 2312 lacks rare ones)
        return charsets.encode("".join(c if _encodable(c, target, vr) else "?" for c in text), target.codec, vr=vr)


def _encodable(ch: str, target: Form, vr: str) -> bool:
    try:
        charsets.encode(ch, target.codec, vr=vr)
        return True
    except UnicodeEncodeError:
        return False


class _Walker:
    def __init__(self, data: bytes, implicit: bool, target: Form) -> None:
        self.data, self.implicit, self.target = data, implicit, target

    def _header(self, pos: int) -> tuple[int, bytes | None, int, int]:
        """``(tag, VR or None, value length, header size)`` of the element at ``pos``."""
        data = self.data
        if pos + 8 > len(data):
            raise MalformedDataSet(f"truncated element header at {pos}")
        group, element = struct.unpack_from("<HH", data, pos)
        tag = group << 16 | element
        if group == 0xFFFE:
            return tag, None, struct.unpack_from("<L", data, pos + 4)[0], 8
        if self.implicit:
            return tag, None, struct.unpack_from("<L", data, pos + 4)[0], 8
        vr = data[pos + 4:pos + 6]
        if vr in _LONG_VRS:
            return tag, vr, struct.unpack_from("<L", data, pos + 8)[0], 12
        return tag, vr, struct.unpack_from("<H", data, pos + 6)[0], 8

    def _element(self, tag: int, vr: bytes | None, value: bytes) -> bytes:
        if self.implicit:
            return struct.pack("<HHL", tag >> 16, tag & 0xFFFF, len(value)) + value
        assert vr is not None
        if vr in _LONG_VRS:
            return struct.pack("<HH2s2xL", tag >> 16, tag & 0xFFFF, vr, len(value)) + value
        if len(value) > 0xFFFF:
            raise MalformedDataSet(f"value of ({tag >> 16:04X},{tag & 0xFFFF:04X}) too long for its VR")
        return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr, len(value)) + value

    def _vr_name(self, tag: int, vr: bytes | None) -> str | None:
        if vr is not None:
            return vr.decode("ascii", "replace")
        try:
            return str(dictionary_VR(tag))
        except KeyError:
            return None

    def dataset(self, pos: int, end: int, terms: tuple[str, ...], *, top: bool) -> tuple[bytes, int]:
        """Rewrite elements from ``pos`` until ``end`` (or an item delimiter, or — at the top
        level — Pixel Data); ``(new bytes, where it stopped)``."""
        out = bytearray()
        if top:
            label = self.target.label
            wrote_label = False
        while pos < end:
            tag, vr, length, size = self._header(pos)
            if tag == _ITEM_END:
                return bytes(out), pos
            if top and tag >= _CHARSET and not wrote_label:
                if label:
                    out += self._element(_CHARSET, None if self.implicit else b"CS", _pad("\\".join(label).encode("ascii")))
                wrote_label = True
            if top and tag == _PIXEL_DATA:
                return bytes(out), pos
            name = self._vr_name(tag, vr)
            start = pos + size
            if vr == b"UN" and length == _UNDEFINED:
                raise MalformedDataSet("UN element of undefined length (implicit VR inside)")
            if name == "SQ" or (length == _UNDEFINED and tag != _PIXEL_DATA):
                body, pos = self.sequence(start, length, terms)
                out += self._sequence_element(tag, vr, length, body)
                continue
            if start + length > len(self.data):
                raise MalformedDataSet(f"element ({tag >> 16:04X},{tag & 0xFFFF:04X}) runs past the end")
            value = self.data[start:start + length]
            pos = start + length
            if tag == _CHARSET:
                continue  # the form's label is written above; an item's own is dropped
            if name in TEXT_VRS and value and not (value.isascii() and b"\x1b" not in value):
                value = _pad(_encode(best_text(value, terms, name), name, self.target))
            out += self._element(tag, vr, value)
        if top and not wrote_label and label:
            out += self._element(_CHARSET, None if self.implicit else b"CS", _pad("\\".join(label).encode("ascii")))
        return bytes(out), pos

    def _sequence_element(self, tag: int, vr: bytes | None, length: int, body: bytes) -> bytes:
        if length == _UNDEFINED:
            head = struct.pack("<HHL", tag >> 16, tag & 0xFFFF, _UNDEFINED) if self.implicit else \
                struct.pack("<HH2s2xL", tag >> 16, tag & 0xFFFF, vr or b"SQ", _UNDEFINED)
            return head + body + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
        return self._element(tag, vr or b"SQ", body)

    def sequence(self, pos: int, length: int, terms: tuple[str, ...]) -> tuple[bytes, int]:
        """The items of a sequence starting at ``pos`` (``length`` bytes, or undefined)."""
        end = len(self.data) if length == _UNDEFINED else pos + length
        out = bytearray()
        while pos < end:
            tag, _vr, item_length, size = self._header(pos)
            if tag == _SEQ_END:
                return bytes(out), pos + size
            if tag != _ITEM:
                raise MalformedDataSet(f"expected an item at {pos}")
            start = pos + size
            item_end = len(self.data) if item_length == _UNDEFINED else start + item_length
            body, stop = self.dataset(start, item_end, self._item_terms(start, item_end, terms), top=False)
            if item_length == _UNDEFINED:
                out += struct.pack("<HHL", 0xFFFE, 0xE000, _UNDEFINED) + body + struct.pack("<HHL", 0xFFFE, 0xE00D, 0)
                pos = stop + 8
            else:
                out += struct.pack("<HHL", 0xFFFE, 0xE000, len(body)) + body
                pos = item_end
        return bytes(out), pos

    def _item_terms(self, pos: int, end: int, inherited: tuple[str, ...]) -> tuple[str, ...]:
        """An item's own (0008,0005), if it starts with one (it would be among its first elements)."""
        while pos < end:
            tag, vr, length, size = self._header(pos)
            if tag > _CHARSET or tag == _ITEM_END:
                return inherited
            if tag == _CHARSET:
                return charsets.terms_of(self.data[pos + size:pos + size + length]) or inherited
            if length == _UNDEFINED:
                return inherited
            pos += size + length
        return inherited


def _declared(data: bytes, implicit: bool) -> tuple[str, ...]:
    """The data set's (0008,0005), found by a shallow scan of its leading elements."""
    walker = _Walker(data, implicit, Form("", (), "utf-8", "groups", "", ""))
    return walker._item_terms(0, len(data), ())


def transcode_header(encoded: bytes, *, implicit: bool, target: Form) -> tuple[bytes, int]:
    """``(the elements before Pixel Data re-encoded into target, where Pixel Data starts in
    encoded)``: what an SCP caches per stored file and form, then sends ``header +
    encoded[start:]``."""
    walker = _Walker(encoded, implicit, target)
    return walker.dataset(0, len(encoded), _declared(encoded, implicit), top=True)


def transcode_dataset(encoded: bytes, *, implicit: bool, target: Form) -> bytes:
    """A data set's bytes (no file meta) with its text re-encoded into ``target``."""
    head, stop = transcode_header(encoded, implicit=implicit, target=target)
    return head + encoded[stop:]


def transcode_file(data: bytes, target: Form) -> bytes:
    """A Part-10 file with its text re-encoded into ``target`` (file meta group unchanged)."""
    offset = dataset_offset(data)
    syntax = _transfer_syntax(data[:offset])
    if syntax not in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1"):
        return data  # big endian, deflated or compressed: served as stored
    return data[:offset] + transcode_dataset(data[offset:], implicit=syntax == "1.2.840.10008.1.2", target=target)


def _transfer_syntax(meta: bytes) -> str:
    pos = meta.find(b"\x02\x00\x10\x00UI")
    if pos < 0:
        return ""
    (length,) = struct.unpack_from("<H", meta, pos + 6)
    return meta[pos + 8:pos + 8 + length].rstrip(b"\x00 ").decode("ascii", "replace")
