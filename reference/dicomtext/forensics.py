"""Charset forensics: what the text of a received data set really is, against what its
(0008,0005) says, and how a receiver that trusts the label would misread it.

``examine(ds)`` reads each text element's bytes as received (the data set must not have been
decoded yet: pass a freshly read one) — top level and sequence items, an item's own
(0008,0005) overriding its parent's (PS3.5 §7.5.3) — and returns a ``CharsetReport``: the
declared terms, the best reading of every top-level text element (``texts``: the declared
decoding where the bytes are valid there, otherwise what the bytes really are), and the
issues found, each a rule of ``reference/rules/catalogue/dicom_charset.yaml``.
Nothing here warns or raises on bad bytes; the data is never changed.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.valuerep import PersonName

from reference.config import ValidationMode
from reference.rules import RULES, Finding

from . import charsets
from .charsets import TEXT_VRS
from .names import ideographic_in_first_group, person_name

__all__ = ["CharsetReport", "TextValue", "best_text", "examine", "findings", "merge_findings", "SUGGESTED_TERM"]

#: The (0008,0005) a data set whose text is in that encoding should declare.
SUGGESTED_TERM: Final = {"UTF-8": "ISO_IR 192", "GBK": "GBK", "GB18030": "GB18030",
                         "GB2312": "ISO 2022 IR 6\\ISO 2022 IR 58"}
_FAMILY: Final = {"UTF-8": "UTF-8", "GBK": "GB", "GB18030": "GB", "GB2312": "GB"}
_UNRECOGNISED: Final = "未识别的 8 位编码 / unrecognised 8-bit"
_MAX_DEPTH: Final = 3


@dataclass(frozen=True)
class TextValue:
    """One text element as received."""

    path: str
    vr: str
    raw: bytes | None  # None when the element had been decoded before (then ``text`` is all we know)
    terms: tuple[str, ...]  # the (0008,0005) in force for it
    declared: str | None  # decoded as ``terms`` say; None when the bytes are invalid there
    actual: str | None  # what the bytes are (charsets.guess), None for ASCII or unrecognised bytes
    text: str  # the best reading

    @property
    def ascii(self) -> bool:
        return self.raw is None or (self.raw.isascii() and b"\x1b" not in self.raw)


@dataclass(frozen=True)
class Issue:
    rule: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class CharsetReport:
    declared: tuple[str, ...]
    values: tuple[TextValue, ...]
    texts: Mapping[str, str]  # top-level keyword -> best reading
    issues: tuple[Issue, ...] = ()
    encoding: str | None = None  # the encoding of the data set's non-ASCII text (the first one seen)

    @property
    def clean(self) -> bool:
        return not self.issues

    def text(self, keyword: str, default: str = "") -> str:
        return self.texts.get(keyword, default)


# -- reading ----------------------------------------------------------------------------------------
def _vr(elem: Any) -> str | None:
    if elem.VR:
        return str(elem.VR)
    try:
        return str(dictionary_VR(elem.tag))
    except KeyError:
        return None


def _read(path: str, vr: str, elem: Any, terms: tuple[str, ...]) -> TextValue:
    if isinstance(elem, RawDataElement):
        raw = bytes(elem.value or b"")
    elif isinstance(elem.value, PersonName) and elem.value.original_string is not None:
        raw = bytes(elem.value.original_string)
    else:  # decoded earlier by someone: only its text is known
        value = elem.value
        text = "\\".join(str(v) for v in value) if isinstance(value, (list, tuple)) else ("" if value is None else str(value))
        return TextValue(path, vr, None, terms, text, None, text)
    raw = raw.rstrip(b" \x00")
    declared, actual, text = _reading(raw, terms, vr)
    return TextValue(path, vr, raw, terms, declared, actual, text)


def _reading(raw: bytes, terms: tuple[str, ...], vr: str) -> tuple[str | None, str | None, str]:
    """``(declared decoding or None, what the bytes are, best reading)`` of one value."""
    declared = charsets.decode(raw, terms, vr=vr)
    actual = charsets.guess(raw)
    if declared is not None and (actual is None or _agrees(terms, actual)):
        return declared, actual, declared
    if actual is not None:
        return declared, actual, charsets.decode_as(raw, actual, vr=vr) or charsets.misread(raw, terms, vr=vr)
    return declared, actual, declared if declared is not None else charsets.misread(raw, terms, vr=vr)


def best_text(raw: bytes, terms: tuple[str, ...], vr: str) -> str:
    """One value's best reading: as declared where the bytes are valid and agree, otherwise
    what they really are (the reading a repairing receiver would show)."""
    return _reading(raw.rstrip(b" \x00"), terms, vr)[2]


def _agrees(terms: tuple[str, ...], actual: str) -> bool:
    """Whether bytes that are ``actual`` belong under ``terms``."""
    if not terms or charsets.is_default(terms) or charsets.unknown_terms(terms):
        return False
    first = charsets.DEFINED_TERMS.get(terms[0])
    if actual == "GB2312":
        return "ISO 2022 IR 58" in terms
    if first is None or not first.multibyte:
        return False
    return {"UTF-8": first.term == "ISO_IR 192", "GBK": first.term in ("GBK", "GB18030"),
            "GB18030": first.term == "GB18030"}.get(actual, False)


def _walk(ds: Dataset, terms: tuple[str, ...], prefix: str, depth: int, out: list[TextValue]) -> None:
    for tag in list(ds.keys()):
        if tag.group == 0x0002 or tag in (0x00080005, 0x7FE00010):
            continue
        try:
            elem = ds.get_item(tag)
        except Exception:  # noqa: BLE001 - a malformed element is somebody else's finding
            continue
        vr = _vr(elem) if elem is not None else None
        name = keyword_for_tag(tag) or f"({tag.group:04X},{tag.element:04X})"
        if vr == "SQ" and depth < _MAX_DEPTH:
            try:
                items = ds[tag].value or []
            except Exception:  # noqa: BLE001
                continue
            for i, item in enumerate(items):
                own = item.get_item(0x00080005)
                item_terms = charsets.terms_of(own.value) if own is not None and own.value else terms
                _walk(item, item_terms, f"{prefix}{name}[{i}].", depth + 1, out)
        elif vr in TEXT_VRS:
            out.append(_read(f"{prefix}{name}", vr, elem, terms))


def examine(ds: Dataset) -> CharsetReport:
    """The charset report of a data set (or a C-FIND identifier) as received."""
    declared_elem = ds.get_item(0x00080005)
    declared = charsets.terms_of(declared_elem.value if declared_elem is not None else None)
    values: list[TextValue] = []
    _walk(ds, declared, "", 0, values)
    texts = {v.path: v.text for v in values if "." not in v.path}
    non_ascii = [v for v in values if not v.ascii]
    encoding = next((v.actual for v in non_ascii if v.actual), None)
    return CharsetReport(declared, tuple(values), texts, tuple(_issues(declared, non_ascii, values)), encoding)


# -- judging ----------------------------------------------------------------------------------------
def _listing(values: list[TextValue], limit: int = 6) -> str:
    paths = sorted(dict.fromkeys(v.path for v in values), key=lambda p: p != "PatientName")  # the patient first
    return ", ".join(paths[:limit]) + (f" … (+{len(paths) - limit})" if len(paths) > limit else "")


def _example(values: list[TextValue]) -> dict[str, Any]:
    first = next((v for v in values if v.path == "PatientName"), None) or next((v for v in values if v.vr == "PN"), values[0])
    raw = first.raw or b""
    return {"text": first.text, "misread": charsets.misread(raw, first.terms, vr=first.vr)}


def _grouped(values: list[TextValue]) -> dict[str | None, list[TextValue]]:
    out: dict[str | None, list[TextValue]] = {}
    for v in values:
        out.setdefault(v.actual, []).append(v)
    return out


def _issue(rule: str, values: list[TextValue], declared: tuple[str, ...], actual: str | None) -> Issue:
    return Issue(rule, {"elements": _listing(values), "count": len(values), "encoding": actual or _UNRECOGNISED,
                        "declared": "\\".join(declared) or "—", "term": SUGGESTED_TERM.get(actual or "", "ISO_IR 192"),
                        **_example(values)})


def _rule_for(terms: tuple[str, ...], actual: str | None, group: list[TextValue]) -> str | None:
    """The rule non-ASCII values that are ``actual`` break under ``terms`` (None: they are fine)."""
    if not terms or charsets.is_default(terms):
        return "DICOM-CHARSET-UNDECLARED"
    if actual is not None and _agrees(terms, actual):
        return None
    first = charsets.DEFINED_TERMS.get(terms[0])
    if first is not None and not first.multibyte and "ISO 2022 IR 58" not in terms:
        return "DICOM-CHARSET-SINGLE-BYTE" if actual else None  # unrecognised bytes: real Latin-1 text
    if actual is not None or any(v.declared is None for v in group):
        return "DICOM-CHARSET-DISAGREES"
    return None


def _issues(declared: tuple[str, ...], non_ascii: list[TextValue], values: list[TextValue]) -> Iterable[Issue]:
    unknown = charsets.unknown_terms(declared)
    if unknown:
        actual = next((v.actual for v in non_ascii if v.actual), None)
        example = _example(non_ascii) if non_ascii else {"text": "", "misread": ""}
        yield Issue("DICOM-CHARSET-UNKNOWN-TERM", {"terms": "\\".join(declared), "unknown": ", ".join(unknown),
                                                    "encoding": actual or "ASCII",
                                                    "term": SUGGESTED_TERM.get(actual or "", "ISO_IR 192"), **example})
    elif non_ascii:
        by_kind: dict[tuple[tuple[str, ...], str | None], list[TextValue]] = {}
        for v in non_ascii:
            by_kind.setdefault((v.terms, v.actual), []).append(v)
        for (terms, actual), group in by_kind.items():
            rule = _rule_for(terms, actual, group)
            if rule:
                yield _issue(rule, group, terms, actual)
    families = _grouped([v for v in non_ascii if v.actual])
    kinds = {_FAMILY[a] for a in families if a}
    if len(kinds) > 1:
        parts = "; ".join(f"{a}: {_listing(vs, 3)}" for a, vs in families.items())
        yield Issue("DICOM-CHARSET-MIXED", {"parts": parts, "declared": "\\".join(declared) or "—"})
    retired = sorted((v for v in values if v.vr == "PN" and ideographic_in_first_group(v.text)),
                     key=lambda v: v.path != "PatientName")
    if retired:
        yield Issue("DICOM-PN-NO-COMPONENT-GROUPS", {"elements": _listing(retired), "text": retired[0].text,
                                                     "example": person_name(retired[0].text, "groups")})


def findings(report: CharsetReport, *, path: str | None = None, mode: ValidationMode = "strict",
             **extra: Any) -> list[Finding]:
    """The report's issues as findings (``extra`` params, e.g. the file, go into each)."""
    return [RULES.finding(issue.rule, mode=mode, path=path, **{**issue.params, **extra}) for issue in report.issues]


def merge_findings(per_file: list[list[Finding]]) -> list[Finding]:
    """One finding per distinct text across the files of a study (the count of files noted)."""
    seen: dict[tuple[str, str], tuple[Finding, int]] = {}
    for file_findings in per_file:
        for f in file_findings:
            key = (f.rule, f.en)
            finding, n = seen.get(key, (f, 0))
            seen[key] = (finding, n + 1)
    out = []
    for finding, n in seen.values():
        if n > 1:
            finding = Finding(finding.rule, finding.severity, finding.path, f"{finding.zh}（{n} 个文件）",
                              f"{finding.en} ({n} files)", finding.source, finding.params)
        out.append(finding)
    return out

