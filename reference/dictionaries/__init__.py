"""Code lists ("字典") transcribed from the seed documents, one YAML file each.

Each file holds ``name``, ``title_zh``, ``source`` (seed file and section, or the
standard), ``fields`` (the interface fields that use it), ``codes`` (code -> Chinese
label, codes as strings exactly as printed), ``profile_additions`` and
``profile_removals`` (per profile, e.g. ``sichuan-2025-09``: 002's differences from
000) and optional ``notes`` (where the seeds disagree or are odd).

Profiles are data: ``codes(name, profile)`` is the default list plus that profile's
additions minus its removals; a profile a dictionary does not mention gets the
default list.  Naming: 000/002 dictionaries keep their own names (``gend``,
``hosp_lv`` ...); the others are prefixed by the family that uses them
(``gateway_`` 001, ``province_`` 003, ``regional_``/``jiwei_``/``syninfo_`` 004).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Final

from reference.resources import load_yaml

__all__ = ["Dictionary", "DEFAULT_PROFILE", "get", "codes", "label", "names", "all_dictionaries"]

DEFAULT_PROFILE: Final = "default"
_DIR: Final = Path(__file__).parent


@dataclass(frozen=True)
class Dictionary:
    """One code list as loaded from ``reference/dictionaries/<name>.yaml``."""

    name: str
    title_zh: str
    source: str
    codes: Mapping[str, str]
    profile_additions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    profile_removals: Mapping[str, frozenset[str]] = field(default_factory=dict)
    fields: tuple[str, ...] = ()
    notes: str | None = None

    def labels(self, profile: str = DEFAULT_PROFILE) -> Mapping[str, str]:
        """Code -> label for ``profile`` (additions applied, removals dropped)."""
        merged = dict(self.codes)
        merged.update(self.profile_additions.get(profile, {}))
        for code in self.profile_removals.get(profile, frozenset()):
            merged.pop(code, None)
        return MappingProxyType(merged)

    def codes_for(self, profile: str = DEFAULT_PROFILE) -> frozenset[str]:
        """The valid codes under ``profile``."""
        return frozenset(self.labels(profile))


def _str_map(raw: object, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping")
    for key, value in raw.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(f"{where}: code {key!r} and label {value!r} must both be strings (quote them)")
    return dict(raw)


def _additions(raw: object, where: str) -> Mapping[str, Mapping[str, str]]:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: profile_additions must be a mapping")
    return MappingProxyType(
        {p: MappingProxyType(_str_map(m, f"{where} {p}")) for p, m in raw.items()}
    )


def _removals(raw: object, where: str) -> Mapping[str, frozenset[str]]:
    raw = raw or {}
    if not isinstance(raw, dict) or not all(
        isinstance(v, list) and all(isinstance(c, str) for c in v) for v in raw.values()
    ):
        raise ValueError(f"{where}: profile_removals must map a profile to a list of string codes")
    return MappingProxyType({p: frozenset(v) for p, v in raw.items()})


def _load(path: Path) -> Dictionary:
    raw = load_yaml(path.read_text(encoding="utf-8"))
    where = path.name
    if not isinstance(raw, dict) or raw.get("name") != path.stem:
        raise ValueError(f"{where}: 'name' must equal the file name")
    for key in ("title_zh", "source"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ValueError(f"{where}: '{key}' is required")
    return Dictionary(
        name=raw["name"],
        title_zh=raw["title_zh"],
        source=raw["source"],
        codes=MappingProxyType(_str_map(raw.get("codes"), f"{where} codes")),
        profile_additions=_additions(raw.get("profile_additions"), where),
        profile_removals=_removals(raw.get("profile_removals"), where),
        fields=tuple(raw.get("fields") or ()),
        notes=raw.get("notes"),
    )


@cache
def _names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in _DIR.glob("*.yaml")))


def names() -> list[str]:
    """Names of all dictionaries, sorted."""
    return list(_names())


@cache
def get(name: str) -> Dictionary:
    """The dictionary ``name`` (cached); ``KeyError`` if there is no such file."""
    if name not in _names():
        raise KeyError(f"unknown dictionary {name!r}")
    return _load(_DIR / f"{name}.yaml")


def codes(name: str, profile: str = DEFAULT_PROFILE) -> frozenset[str]:
    """The valid codes of dictionary ``name`` under ``profile``."""
    return get(name).codes_for(profile)


def label(name: str, code: str, profile: str = DEFAULT_PROFILE) -> str | None:
    """The Chinese label of ``code``, or ``None`` if it is not valid under ``profile``."""
    return get(name).labels(profile).get(code)


def all_dictionaries() -> list[Dictionary]:
    """Every dictionary, loaded (useful for validation at start-up and for docs)."""
    return [get(n) for n in names()]
