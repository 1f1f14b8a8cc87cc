"""The sample request bodies printed in the seeds, extracted from the seed text itself."""
from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import SEEDS


def seed_text(prefix: str) -> str:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


def sample_requests(prefix: str) -> list[dict[str, Any]]:
    """Every ``请求参数 … 返回值`` JSON block of a tab-cell seed (000), in document order."""
    text = seed_text(prefix)
    blocks = re.findall(r"\t请求参数\n(.*?)\n\t返回值", text, flags=re.S)
    return [json.loads(block) for block in blocks]
