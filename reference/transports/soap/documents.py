"""XML documents carried as text in a SOAP parameter (004's ``<XmlDocument>``), checked against
their XSD (``openapi/soap/*.xsd``) with every error a named finding.

Before validation, what the XSD does not declare is named and set aside, as the JSON families
do with unknown fields: an element the XSD does not declare where it stands (SCHEMA-UNKNOWN-FIELD,
a warning, with the closest declared name) and text between elements (XML-STRAY-TEXT).  Then
libxml2 validates; each of its errors becomes the rule it means (SCHEMA-REQUIRED,
SCHEMA-MAXLENGTH, SCHEMA-ENUM, SCHEMA-PATTERN, SCHEMA-INVALID), with the element's path
(``XmlDocument/Patient/PatientName``) and its Chinese name from the XSD's documentation.
"""
from __future__ import annotations

import copy
import difflib
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from lxml import etree

from reference.config import ValidationMode
from reference.resources import contract
from reference.rules import RULES, Finding

from . import xml

XS = "{http://www.w3.org/2001/XMLSchema}"
_QUOTED = re.compile(r"'([^']*)'")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ?([^)]*?) ?\)")
_SET = re.compile(r"set \{(.*)\}")


@dataclass
class DocumentSchema:
    """A document's XSD and what the sandbox reads from it."""

    file: str
    schema: etree.XMLSchema
    root: str
    children: dict[str, list[str]] = field(default_factory=dict)   # path -> declared child element names
    attributes: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)           # path -> Chinese name
    formats: dict[str, str] = field(default_factory=dict)          # path -> its type's documentation
    #: one validation at a time: an lxml validator keeps the last run's error log on itself
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def label(self, path: str) -> str:
        """``PatientName（病人姓名）``, ``PatientClass@code（病人类别/来源）``."""
        element, _, attribute = path.partition("/@")
        name = element.rsplit("/", 1)[-1] + (f"@{attribute}" if attribute else "")
        zh = self.labels.get(re.sub(r"\[\d+\]", "", element))
        return f"{name}（{zh}）" if zh else name


def _doc(node: etree._Element | None) -> str:
    found = node.find(f"{XS}annotation/{XS}documentation") if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _walk(xsd: etree._Element, decl: etree._Element, path: str, out: DocumentSchema) -> None:
    named = {t.get("name"): t for t in xsd if t.tag in (f"{XS}complexType", f"{XS}simpleType")}
    here = f"{path}/{decl.get('name')}" if path else str(decl.get("name"))
    out.labels[here] = _doc(decl).split(" ")[0].split("（")[0]
    type_ = decl.find(f"{XS}complexType")
    if type_ is None:
        type_ = named.get(str(decl.get("type")))
    if type_ is not None and type_.tag == f"{XS}simpleType" and _doc(type_):
        out.formats[here] = _doc(type_)
    if type_ is None or type_.tag != f"{XS}complexType":
        return
    kids = [el for group in ("all", "sequence", "choice") for g in type_.findall(f"{XS}{group}")
            for el in g.findall(f"{XS}element")]
    if type_.find(f"{XS}simpleContent") is None:  # element content (simple content is the value itself)
        out.children[here] = [str(el.get("name")) for el in kids]
    out.attributes[here] = [str(a.get("name")) for a in type_.iter(f"{XS}attribute")]
    for el in kids:
        _walk(xsd, el, here, out)


@cache
def load(file: str) -> DocumentSchema:
    """``openapi/<file>``: compiled once."""
    tree = etree.parse(str(contract(file)), etree.XMLParser(no_network=True, resolve_entities=False))
    xsd = tree.getroot()
    top = xsd.find(f"{XS}element")
    assert top is not None, f"{file} declares no element"
    out = DocumentSchema(file, etree.XMLSchema(tree), str(top.get("name")))
    _walk(xsd, top, "", out)
    return out


def _set_aside(node: etree._Element, schema: DocumentSchema, path: str, mode: ValidationMode) -> list[Finding]:
    """Remove (in place) what ``schema`` does not declare under ``node``, naming each.  ``path`` is
    the node's (``XmlDocument/Exam/ExamItems/ExamItem[1]``), built on the way down."""
    findings: list[Finding] = []
    declared = schema.children.get(re.sub(r"\[\d+\]", "", path))
    if declared is None:  # a leaf
        return findings
    stray = [t.strip() for t in [node.text, *(c.tail for c in node)] if t and t.strip()]
    if stray:
        findings.append(RULES.finding("XML-STRAY-TEXT", path=path, element=path.rsplit("/", 1)[-1], text=" ".join(stray)[:60]))
        node.text = None
        for child in node:
            child.tail = None
    children = [(xml.local(c), c) for c in node if isinstance(c.tag, str)]  # not comments, processing instructions
    repeated = Counter(name for name, _ in children)
    seen: Counter[str] = Counter()
    for name, child in children:
        if name not in declared:
            close = difflib.get_close_matches(name, declared, n=1, cutoff=0.75)
            findings.append(RULES.finding("SCHEMA-UNKNOWN-FIELD", mode=mode, path=f"{path}/{name}", field=name,
                                          suggestion_zh=f"（是否想写 {close[0]}？）" if close else "",
                                          suggestion_en=f"; did you mean {close[0]}?" if close else ""))
            node.remove(child)
            continue
        here = f"{path}/{name}" + (f"[{seen[name]}]" if repeated[name] > 1 else "")
        seen[name] += 1
        findings += _set_aside(child, schema, here, mode)
    return findings


def _allowed(listed: str) -> str:
    return "、".join(v if v else "（空 / empty）" for v in _QUOTED.findall(listed))


def _finding(entry: etree._LogEntry, schema: DocumentSchema, mode: ValidationMode) -> list[Finding]:
    path = (entry.path or "").lstrip("/")
    message = entry.message or ""
    attribute = re.search(r"attribute '([^']+)'", message)
    where = f"{path}/@{attribute.group(1)}" if attribute else path
    kind = entry.type_name
    if kind == "SCHEMAV_CVC_MAXLENGTH_VALID":
        length, limit = [int(v) for v in _QUOTED.findall(message.split("]", 1)[-1])[:2]]
        return [RULES.finding("SCHEMA-MAXLENGTH", mode=mode, path=where, length=length, limit=limit)]
    if kind == "SCHEMAV_CVC_MINLENGTH_VALID" and _QUOTED.findall(message.split("]", 1)[-1])[:1] != ["0"]:
        return [RULES.finding("SCHEMA-INVALID", mode=mode, path=where, detail=message.split("]", 1)[-1].strip())]
    if kind in ("SCHEMAV_CVC_MINLENGTH_VALID", "SCHEMAV_CVC_COMPLEX_TYPE_4"):
        name = attribute.group(1) if attribute else schema.label(path)
        return [RULES.finding("SCHEMA-REQUIRED", mode=mode, path=where, field=name)]
    if kind == "SCHEMAV_CVC_ENUMERATION_VALID":
        value = _QUOTED.findall(message.split("[facet 'enumeration']", 1)[-1])
        allowed = _SET.search(message)
        return [RULES.finding("SCHEMA-ENUM", mode=mode, path=where, value=value[0] if value else "",
                              dictionary=schema.label(where), allowed=_allowed(allowed.group(1) if allowed else ""))]
    if kind == "SCHEMAV_CVC_PATTERN_VALID":
        value = _QUOTED.findall(message.split("[facet 'pattern']", 1)[-1])
        label = schema.formats.get(re.sub(r"\[\d+\]", "", path)) or (value[1] if len(value) > 1 else "")
        return [RULES.finding("SCHEMA-PATTERN", mode=mode, path=where, value=value[0] if value else "", label=label)]
    expected = _EXPECTED.search(message)
    if kind in ("SCHEMAV_ELEMENT_CONTENT", "SCHEMAV_CVC_COMPLEX_TYPE_2_4") and "Missing child" in message and expected:
        names = [n.strip() for n in expected.group(1).split(",") if n.strip()]
        return [RULES.finding("SCHEMA-REQUIRED", mode=mode, path=f"{path}/{n}", field=schema.label(f"{path}/{n}"))
                for n in names]
    if kind == "SCHEMAV_CVC_DATATYPE_VALID_1_2_1" or "is not a valid value of the" in message:
        return []  # the facet error on the same value says more
    detail = message.split(":", 1)[-1].strip()
    return [RULES.finding("SCHEMA-INVALID", mode=mode, path=where, detail=detail)]


def check(root: etree._Element, file: str, *, mode: ValidationMode = "strict") -> tuple[etree._Element, list[Finding]]:
    """``(document as read, findings)``: the copy with what the XSD does not declare set aside,
    and every finding about it, in document order."""
    schema = load(file)
    work = copy.deepcopy(root)
    if xml.local(work) != schema.root:
        return work, [RULES.finding("SOAP-NOT-ENVELOPE", path=xml.local(work), expected=schema.root, actual=xml.local(work))]
    findings = _set_aside(work, schema, schema.root, mode)
    with schema.lock:
        valid = schema.schema.validate(work)
        errors = list(schema.schema.error_log)
    if not valid:
        seen: set[tuple[str, str]] = set()
        for entry in errors:
            for found in _finding(entry, schema, mode):
                if (found.rule, found.path) not in seen:
                    seen.add((found.rule, found.path))
                    findings.append(found)
    return work, findings
