"""What the tests read from seeds/004 itself: its sample documents and its field tables
(skipped without the seeds, failing in CI: tests/seeds.py)."""
from __future__ import annotations

import json
import re
from typing import Any

from tests.seeds import seed_text

SEED = "004"
SAMPLE_LICENSE = "F9BDEFC9EDD6426E57E9DFEFE3A74FA2"


def _xml_samples() -> list[str]:
    return re.findall(r'(<\?xml version="1\.0" encoding="UTF-8"\?>.*?</(?:XmlDocument|response)>)', seed_text(SEED), flags=re.S)


def apply_sample() -> str:
    """004 §3.4.1.1's SynApplyInfo request sample, verbatim."""
    return _xml_samples()[0]


def status_sample() -> str:
    """004 §3.4.2.1's SynStatusInfo request sample, verbatim (it is not well-formed)."""
    return _xml_samples()[2]


def statistics_sample() -> list[dict[str, Any]]:
    """004 §3.2.3.3's uploadStatistics parameter sample, verbatim."""
    text = seed_text(SEED)
    start = text.index("参数示例：", text.index("3.2.3.3."))
    block = text[start + len("参数示例："):text.index("结果示例", start)]
    return json.loads(block)


def table_rows(start_marker: str, end_marker: str, after: str) -> list[list[str]]:
    """The rows of a tab table: cells of each blank-line-separated row."""
    text = seed_text(SEED)
    begin = text.index(start_marker, text.index(after))
    end = text.index(end_marker, begin)
    rows = []
    for block in text[begin:end].split("\n\n"):
        cells = [c.strip() for c in block.strip("\n").split("\n\t")]
        cells[0] = cells[0].lstrip("\t").strip()
        rows.append(cells)
    return rows[1:]


def push_fields() -> dict[str, tuple[bool, str]]:
    """004 §3.2.3.1's exam/push table: ``dotted path -> (required, format)``."""
    out: dict[str, tuple[bool, str]] = {}
    parents: list[str] = ["", ""]
    for cells in table_rows("一级参数", "返回结果：", "3.2.3.1."):
        if len(cells) < 6:
            continue
        levels, required, fmt = cells[:3], cells[3] == "是", cells[4]
        depth = next((i for i, c in enumerate(levels) if c), None)
        if depth is None or levels[depth] in ("一级参数",):
            continue
        name = levels[depth]
        path = ".".join([*parents[:depth], name]) if depth else name
        if depth < 2:
            parents[depth] = name
        out[path] = (required, fmt)
    return out


def apply_table() -> list[tuple[str, str, str]]:
    """004 §3.4.1.1's SynApplyInfo table: ``(代码, 数据类型, 约束)`` in order."""
    rows = table_rows("代码", "应答消息", "3.4.1.1.")
    return [(r[0], r[2], r[3]) for r in rows if len(r) >= 4]
