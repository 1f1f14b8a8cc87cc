"""Field profiles: a province's variant of a family's tables, as data patches over the spec.

INTERFACES.md §1: where seeds 000 and 002 disagree on a length, a required flag or a
code list, 000 is the ``default`` profile and 002's differences form the
``sichuan-2025-09`` profile, chosen per institution.  A new province variant is a new
YAML file here, not new code.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from reference.resources import load_yaml

PROFILE_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Profile:
    name: str
    source: str
    description: str = ""
    row_node: str | None = None
    operations: dict[str, Any] = field(default_factory=dict)


@cache
def get(name: str) -> Profile:
    path = PROFILE_DIR / f"{name}.yaml"
    if not path.is_file():
        raise KeyError(f"unknown profile {name!r}; profiles are {', '.join(names())}")
    data = load_yaml(path.read_text(encoding="utf-8"))
    known = {k: data[k] for k in ("name", "source", "description", "row_node", "operations") if k in data}
    return Profile(**known)


def names() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def row_node(profile: str, operation: str, default: str) -> str:
    """The node an institution of ``profile`` sends ``operation``'s rows under."""
    found = get(profile)
    return (found.row_node if operation in found.operations else None) or default


def _rename(row: dict[str, Any], renames: dict[str, str]) -> None:
    """``{old: new}``: the profile's own name for a field; the old name becomes its alias."""
    properties = row.get("properties", {})
    row["properties"] = {renames.get(k, k): v for k, v in properties.items()}
    row["required"] = [renames.get(k, k) for k in row.get("required", [])]
    aliases = {k: renames.get(v, v) for k, v in row.get("x-imgcloud-aliases", {}).items() if k not in renames.values()}
    aliases.update({old: new for old, new in renames.items()})
    row["x-imgcloud-aliases"] = aliases


def _patch_row_schema(row: dict[str, Any], patch: dict[str, Any]) -> None:
    _rename(row, patch.get("renames") or {})
    properties = row.setdefault("properties", {})
    for prop, changes in (patch.get("fields") or {}).items():
        target = properties.setdefault(prop, {})
        for key, value in changes.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
    required = set(row.get("required", []))
    required |= set((patch.get("required") or {}).get("add", []))
    required -= set((patch.get("required") or {}).get("remove", []))
    order = list(properties)
    row["required"] = sorted(required, key=lambda p: order.index(p) if p in order else len(order))


def patch_row(row: dict[str, Any], *, profile: str, operation: str) -> dict[str, Any]:
    """A copy of a row schema (e.g. ``IndexRow``) as ``profile`` defines it for ``operation``."""
    patched = copy.deepcopy(row)
    patch = get(profile).operations.get(operation)
    if patch:
        _patch_row_schema(patched, patch)
    return patched


def apply(schema: dict[str, Any], *, profile: str, operation: str) -> dict[str, Any]:
    """Apply ``profile``'s patches for ``operation`` to the row schema of a request schema."""
    patch = get(profile).operations.get(operation)
    rows = schema.get("x-imgcloud-rows")
    if not patch or not rows:
        return schema
    nodes = [rows, *(k for k, v in schema.get("x-imgcloud-aliases", {}).items() if v == rows)]
    seen: set[int] = set()
    for node in nodes:
        items = schema.get("properties", {}).get(node, {}).get("items")
        if isinstance(items, dict) and id(items) not in seen:
            seen.add(id(items))
            _patch_row_schema(items, patch)
    return schema
