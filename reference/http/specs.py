"""Loading the family specs, and joining them into the one API Connexion serves.

Each family keeps its own spec file (the contract users read).  Connexion chains APIs
that share a base path only pairwise (a third one at the same base path is silently
unreachable), and our families share the seeds' absolute paths, so the app serves one
API whose paths are the union of the families' paths, each with its refs resolved.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from connexion.json_schema import resolve_refs

from reference.families import Family

SPEC_DIR = Path(__file__).resolve().parents[2] / "openapi"


@lru_cache(maxsize=None)
def resolved_spec(path: Path) -> dict[str, Any]:
    """A spec file with every ``$ref`` (local and relative-file) resolved."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return resolve_refs(raw, base_uri=path.as_uri())


def joined_spec(families: Sequence[Family], spec_dir: Path = SPEC_DIR) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for family in families:
        for path, item in resolved_spec(spec_dir / family.spec)["paths"].items():
            if path in paths:
                raise ValueError(f"path {path} is defined by both {owner[path]} and {family.name}")
            paths[path], owner[path] = item, family.name
    return {
        "openapi": "3.0.3",
        "info": {"title": "imgcloud-sandbox (all families)", "version": "1.0"},
        "paths": paths,
    }
