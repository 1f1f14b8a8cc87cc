"""Field paths as diagnostics show them: ``input[0].psnName``."""
from __future__ import annotations

from collections.abc import Iterable


def join(base: str, part: str | int) -> str:
    if base in ("", "$"):
        base = ""
    if isinstance(part, int):
        return f"{base}[{part}]"
    return f"{base}.{part}" if base else part


def json_path(parts: Iterable[str | int]) -> str:
    path = ""
    for part in parts:
        path = join(path, part)
    return path or "$"
