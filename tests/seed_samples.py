"""The sample request bodies printed in the seeds, extracted from the seed text itself."""
from __future__ import annotations

import json
import re
from typing import Any

from tests.seeds import seed_text


def sample_requests(prefix: str) -> list[dict[str, Any]]:
    """Every ``请求参数 … 返回值`` JSON block of a tab-cell seed (000), in document order.

    Skips the calling test (fails it in CI) when the seed is missing (tests/seeds.py)."""
    text = seed_text(prefix)
    blocks = re.findall(r"\t请求参数\n(.*?)\n\t返回值", text, flags=re.S)
    return [json.loads(block) for block in blocks]
