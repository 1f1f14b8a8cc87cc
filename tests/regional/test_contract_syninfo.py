"""The SynApplyInfo XSD (openapi/soap/syninfo-apply.xsd) against 004 §3.4.1.1's own table: every
element the table lists is declared with its VARCHAR(n)/CHAR(n) (the two lenient ones named
in the XSD excepted), and NOT NULL is required."""
from __future__ import annotations

import re

from lxml import etree

from reference.resources import contract
from reference.families.syninfo.document import LENIENT_LENGTHS
from tests.regional import seed004
from tests.seeds import needs_seeds

XS = "{http://www.w3.org/2001/XMLSchema}"
#: table rows that are nodes, not values
NODES = {"Identity", "ExamItem", "ExamOrgan"}


def _declarations() -> dict[str, list[tuple[int | None, bool]]]:
    """element name -> [(maxLength, required)] over every declaration of that name."""
    root = etree.parse(str(contract("soap/syninfo-apply.xsd"))).getroot()
    types = {t.get("name"): t for t in root if t.get("name")}

    def type_of(decl: etree._Element) -> etree._Element | None:
        if decl.get("type"):
            return types.get(decl.get("type"))
        for tag in ("complexType", "simpleType"):
            found = decl.find(f"{XS}{tag}")
            if found is not None:
                return found
        return None

    def limit(node: etree._Element | None) -> int | None:
        """maxLength, the longest enumerated value, or None for a layout (pattern) or a container."""
        while node is not None:
            step = node.find(f"{XS}restriction")
            if step is None:
                step = node.find(f"{XS}simpleContent/{XS}extension")
            if step is None:
                return None
            found = step.find(f"{XS}maxLength")
            if found is not None:
                return int(found.get("value"))
            values = [e.get("value") or "" for e in step.findall(f"{XS}enumeration")]
            if values:
                return max(len(v) for v in values)
            if step.find(f"{XS}pattern") is not None:
                return None
            node = types.get(step.get("base"))
        return None

    out: dict[str, list[tuple[int | None, bool]]] = {}
    for decl in root.iter(f"{XS}element"):
        out.setdefault(str(decl.get("name")), []).append((limit(type_of(decl)), decl.get("minOccurs") != "0"))
    return out


@needs_seeds("004")
def test_every_element_of_004s_table_is_declared_with_its_length():
    declared = _declarations()
    checked = 0
    for name, kind, constraint in seed004.apply_table():
        if name in ("代码",) or name in NODES:
            continue
        target = "ItemName" if name == "Item" else name
        assert target in declared, name
        length = re.fullmatch(r"(?:VAR)?CHAR\s*\((\d+)\)", kind.replace(" ", ""))
        if length:
            allowed = {int(length.group(1))}
            allowed |= {32 for path in LENIENT_LENGTHS if path.endswith("/" + name)}
            limits = {limit for limit, _ in declared[target]}
            assert limits & allowed or None in limits or all(lim is not None and lim <= min(allowed) for lim in limits), \
                (name, kind, limits)
            checked += 1
        if constraint == "NOT NULL" and name not in ("Organ", "Type", "Name", "Number"):  # inside optional nodes
            assert any(required for _, required in declared[target]), name
    assert checked > 60
