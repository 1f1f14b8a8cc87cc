"""The field tables of seed 003, parsed from the seed text itself (both editions).

003's tables are flattened one cell per line, each cell starting with a tab; a line
without the tab continues the previous cell; a blank line ends a row.  Each interface
section has a URL row naming ``/interface/<operation>``, then an optional request-header
table (X-Token), the input table (7 columns: 字段名称 字段类型 表示格式 必填 字段描述
字段定义值域 规则约束), possibly a one-cell row naming a nested list (standardProjectList),
and the output table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from tests.seeds import seed_text
from tests.test_spec_nhsa_index import parse_tab_table

SEED_003 = "003_6c305e73ae8dc4ae.txt"
CITY_EDITION_MARK = "二、接口方案"


@dataclass
class Field:
    name: str
    type: str      # S1 S3 DT D N …
    format: str    # AN..60, DT15, D8, N6,2, or ''
    required: bool
    description: str
    domain: str
    rule: str
    group: str = ""  # '' or the nested list (standardProjectList)


@dataclass
class Operation:
    name: str
    header: list[Field] = field(default_factory=list)
    inputs: list[Field] = field(default_factory=list)
    outputs: list[list[str]] = field(default_factory=list)
    datas: list[list[str]] = field(default_factory=list)  # queryFormerlyExam 出参datas值详情字典表


def _rows(lines: list[str], start: int) -> list[list[str]]:
    """003's tables are flattened like 000's: one tab-led cell per line."""
    return parse_tab_table(lines, start)


def _joined(rows: list[list[str]]) -> list[list[str]]:
    """A blank line inside a cell splits a field's row (patientAgeUnit, searchType): join the pieces."""
    out: list[list[str]] = []
    for row in rows:
        head = row[0].strip()
        starts = bool(re.fullmatch(r"[A-Za-z][A-Za-z-]*", head)) or len(row) == 1
        if out and not starts and len(out[-1]) < 7 and re.fullmatch(r"[A-Za-z][A-Za-z-]*", out[-1][0].strip()):
            out[-1] = out[-1] + row
        else:
            out.append(list(row))
    return out


def _fields(rows: list[list[str]]) -> list[Field]:
    out, group = [], ""
    for row in _joined(rows):
        cells = [c.strip() for c in row]
        if len(cells) == 1 and cells[0]:
            group = cells[0].split()[0]
            continue
        if len(cells) == 6 and re.fullmatch(r"[A-Za-z-]+", cells[0]):
            cells.append("")  # a blank line inside the 值域 cell split the row (queryFormerlyExam.searchType)
        if len(cells) < 7 or cells[0] in ("字段名称",):
            continue
        name, typ, fmt, req, desc, domain, rule = cells[:7]
        out.append(Field(name, typ, fmt, req == "是", desc, domain, rule, group))
    return out


def _section(lines: list[str], start: int, end: int) -> Operation:
    url = next(i for i in range(start, end) if "/interface/" in lines[i])
    op = Operation(re.search(r"/interface/(\w+)", lines[url]).group(1))
    rows = _rows(lines, url - 1)
    kinds, current = {}, None
    for row in rows:
        head = row[0].strip()
        if head in ("请求头字段结构信息", "入参字段结构信息", "出参字段结构信息", "出参datas值详情字典表", "出参数据结构信息"):
            current = head
            kinds[current] = []
        elif head in ("返回类型", "示    例", "入参定义"):
            current = None if head != "返回类型" else None
        elif current:
            kinds[current].append(row)
    op.header = _fields(kinds.get("请求头字段结构信息", []))
    op.inputs = _fields(kinds.get("入参字段结构信息", []))
    op.outputs = [[c.strip() for c in r] for r in kinds.get("出参字段结构信息", [])]
    op.datas = [[c.strip() for c in r] for r in kinds.get("出参datas值详情字典表", [])]
    return op


@lru_cache(maxsize=None)
def editions() -> dict[str, dict[str, Operation]]:
    """``{"hospital": {op: Operation}, "city": {…}}``; skips the calling test (fails it in CI) without seed 003."""
    lines = seed_text(SEED_003).splitlines()
    split = next(i for i, ln in enumerate(lines) if ln.strip() == CITY_EDITION_MARK)
    out: dict[str, dict[str, Operation]] = {}
    for name, (a, b) in {"hospital": (0, split), "city": (split, len(lines))}.items():
        urls = [i for i in range(a, b) if lines[i].strip() in ("URL", "URL地址")]
        ops = {}
        for k, i in enumerate(urls):
            op = _section(lines, i, urls[k + 1] if k + 1 < len(urls) else b)
            ops[op.name] = op
        out[name] = ops
    return out
