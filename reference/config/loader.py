"""Loading and merging YAML configuration, with errors that name the offending key."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from reference.resources import load_yaml

from .model import Config

DEFAULT_CONFIG = Path(__file__).with_name("default.yaml")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return override


def _read(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"config file {path} is not valid YAML: {where}{problem}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: the top level must be a mapping")
    return data


def _describe(exc: ValidationError, source: str) -> str:
    lines = [f"invalid configuration ({source}):"]
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(top level)"
        lines.append(f"  {key}: {err['msg']}")
    return "\n".join(lines)


def load_config(path: str | os.PathLike[str] | None = None, **overrides: Any) -> Config:
    """Load the built-in default, merge ``path`` over it, then ``overrides``.

    ``IMGCLOUD_HOME`` sets the data home unless the file or ``overrides`` set ``home``.
    """
    data = _read(DEFAULT_CONFIG)
    if os.environ.get("IMGCLOUD_HOME"):
        data["home"] = os.environ["IMGCLOUD_HOME"]
    source = "built-in default"
    if path is not None:
        data = _merge(data, _read(Path(path)))
        source = str(path)
    data = _merge(data, overrides)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
