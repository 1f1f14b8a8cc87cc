"""XML as every SOAP exchange and 004 document is read: hardened and bounded.

lxml (libxml2) with no network access, no DTD loading, no entity expansion and no huge-tree
mode; on top of that a document that declares a DOCTYPE or an entity is refused outright
(XML bombs and external entities, XXE, both start there), as is one larger than the byte limit,
nested deeper than the depth limit, or with more elements than the element limit.  Every
refusal is an ``XmlRefused`` carrying a named finding (rules ``XML-*``) with the line and
column libxml2 reports.

``repair_tag_spaces`` undoes one known malformation — spaces inside tag names, as in 004's
own SynStatusInfo sample (``< ApplyNo >``, ``</ Operater>``) — and says where, for a lenient
receiver.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from reference.rules import RULES, Finding

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 48
MAX_ELEMENTS = 20_000
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.S)
_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)
_SPACED_TAG = re.compile(r"<(/?)\s+(?=[A-Za-z_])")


class XmlRefused(ValueError):
    """A document that is not read: ``findings`` say why."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(f.text() for f in findings))
        self.findings = findings


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=False, remove_pis=False, recover=False)


def parse(data: bytes | str, *, what: str, path: str = "$", limit: int = MAX_BYTES) -> etree._Element:
    """The root element of ``data`` (bytes as sent, or text already decoded), or ``XmlRefused``."""
    if isinstance(data, str):
        raw = _DECLARATION.sub("", data, count=1).encode("utf-8")  # the text is decoded: its declared encoding no longer applies
    else:
        raw = data
    if len(raw) > limit:
        raise XmlRefused([RULES.finding("XML-TOO-LARGE", path=path, what=what, size=len(raw), limit=limit)])
    if not raw.strip():
        raise XmlRefused([RULES.finding("XML-MALFORMED", path=path, what=what, line=1, column=1, detail="empty document")])
    if _FORBIDDEN.search(raw) or _FORBIDDEN.search(raw.replace(b"\0", b"")):  # also UTF-16 text
        raise XmlRefused([RULES.finding("XML-DTD", path=path, what=what)])
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (0, 0)
        raise XmlRefused([RULES.finding("XML-MALFORMED", path=path, what=what, line=line, column=column,
                                        detail=exc.msg or str(exc))]) from None
    _check_tree(root, what, path)
    return root


def _check_tree(root: etree._Element, what: str, path: str) -> None:
    if root.getroottree().docinfo.doctype:
        raise XmlRefused([RULES.finding("XML-DTD", path=path, what=what)])
    count = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, etree._Entity):
            raise XmlRefused([RULES.finding("XML-DTD", path=path, what=what)])
        count += 1
        if depth > MAX_DEPTH:
            raise XmlRefused([RULES.finding("XML-TOO-DEEP", path=path, what=what, limit=MAX_DEPTH)])
        if count > MAX_ELEMENTS:
            raise XmlRefused([RULES.finding("XML-TOO-MANY", path=path, what=what, limit=MAX_ELEMENTS)])
        stack.extend((child, depth + 1) for child in node)


@dataclass(frozen=True)
class Repair:
    line: int
    column: int
    original: str
    repaired: str


def repair_tag_spaces(text: str) -> tuple[str, list[Repair]]:
    """``text`` with the spaces after ``<`` and ``</`` removed (``< ApplyNo >`` -> ``<ApplyNo >``), and where."""
    repairs: list[Repair] = []

    def fix(match: re.Match[str]) -> str:
        fixed = f"<{match.group(1)}"
        before = text[:match.start()]
        tag = text[match.start():text.find(">", match.start()) + 1] or match.group(0)
        repairs.append(Repair(before.count("\n") + 1, match.start() - before.rfind("\n"), tag,
                              fixed + tag[len(match.group(0)):]))
        return fixed

    return _SPACED_TAG.sub(fix, text), repairs


def local(node: etree._Element) -> str:
    """An element's name without its namespace."""
    return etree.QName(node).localname


def text_of(node: etree._Element | None) -> str:
    """All text inside ``node`` (CDATA included), stripped; '' for None."""
    return "" if node is None else "".join(node.itertext()).strip()


def element_path(node: etree._Element) -> str:
    """``XmlDocument/Patient/PatientName`` (local names; ``[n]`` for repeated siblings)."""
    parts = []
    while node is not None:
        parent = node.getparent()
        name = local(node)
        if parent is not None:
            same = [c for c in parent if isinstance(c.tag, str) and local(c) == name]
            if len(same) > 1:
                name += f"[{same.index(node)}]"
        parts.append(name)
        node = parent
    return "/".join(reversed(parts))


def as_dict(node: etree._Element) -> dict[str, object]:
    """``{name: value}`` of an element, for assertions and storage: a leaf is its text (with its
    attributes, ``{"@code": …, "#text": …}``), repeated children a list; comments are skipped."""
    def value(el: etree._Element) -> object:
        kids = [c for c in el if isinstance(c.tag, str)]
        attrs = {f"@{k}": v for k, v in el.attrib.items()}
        if not kids:
            text = (el.text or "").strip()
            return {**attrs, "#text": text} if attrs else text
        out: dict[str, object] = dict(attrs)
        for child in kids:
            name, item = local(child), value(child)
            if name in out:
                previous = out[name]
                out[name] = [*previous, item] if isinstance(previous, list) else [previous, item]
            else:
                out[name] = item
        return out

    return {local(node): value(node)}
