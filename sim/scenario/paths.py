"""JSONPath-lite, ``${var}`` interpolation and dotted-path edits of request bodies.

Paths read values: ``$.a.b[0].c``, ``$.rows[*].x``, ``$['odd key']``, ``length($.rows)``.
The root names which document: ``$`` (the step's result), ``$request``, ``$status``,
``$headers``, ``$exchange`` (see ``schema.json``).  A ``[*]`` or ``.*`` makes the value
the list of every match.  Dotted paths (``input.0.gend`` or ``input[0].gend``) edit a body.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_ROOT = re.compile(r"^\$[A-Za-z_]*")
_SEGMENT = re.compile(r"\.(\*|[^.\[\]]+)|\[(\*|-?\d+)\]|\[(['\"])(.*?)\3\]")
_LENGTH = re.compile(r"^length\((.*)\)$")
_REF = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*")
_STAR = object()


class PathError(ValueError):
    """A path that cannot be parsed, or a reference to an undefined variable."""


def parse(path: str) -> tuple[str, list[Any]]:
    """``(root, segments)``; a segment is a key, an int index or ``_STAR``."""
    match = _ROOT.match(path)
    if not match:
        raise PathError(f"path {path!r} must start with $")
    return match.group(0), _segments(path, match.end())


def _segments(path: str, pos: int) -> list[Any]:
    out: list[Any] = []
    while pos < len(path):
        m = _SEGMENT.match(path, pos)
        if not m:
            raise PathError(f"path {path!r}: cannot read {path[pos:]!r}")
        name, index, _, quoted = m.groups()
        if quoted is not None:
            out.append(quoted)
        elif index is not None:
            out.append(_STAR if index == "*" else int(index))
        else:
            out.append(_STAR if name == "*" else name)
        pos = m.end()
    return out


def _step(values: list[Any], segment: Any) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if segment is _STAR:
            out.extend(value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else [])
        elif isinstance(segment, int) and isinstance(value, list):
            if -len(value) <= segment < len(value):
                out.append(value[segment])
        elif isinstance(value, Mapping) and str(segment) in value:
            out.append(value[str(segment)])
    return out


def select(path: str, roots: Mapping[str, Any]) -> tuple[bool, Any]:
    """``(found, value)`` of ``path`` in ``roots``; a wildcard path finds a list."""
    length = _LENGTH.match(path.strip())
    if length:
        found, value = select(length.group(1).strip(), roots)
        if not found or not hasattr(value, "__len__") or isinstance(value, (int, float)):
            return False, None
        return True, len(value)
    root, segments = parse(path.strip())
    try:
        values = [roots[root]]
    except KeyError:
        raise PathError(f"path {path!r}: unknown root {root} (roots here: {', '.join(roots)})") from None
    for segment in segments:
        values = _step(values, segment)
    if any(s is _STAR for s in segments):
        return True, values
    return (True, values[0]) if values else (False, None)


# -- interpolation -------------------------------------------------------------------------

def _lookup(expr: str, variables: Mapping[str, Any]) -> Any:
    expr = expr.strip()
    name = _NAME.match(expr)
    if not name:
        raise PathError(f"${{{expr}}}: not a variable reference")
    if name.group(0) not in variables:
        known = ", ".join(sorted(variables)) or "none"
        raise PathError(f"${{{expr}}}: variable {name.group(0)!r} is not defined (defined: {known})")
    found, value = select("$" + expr[name.end():], {"$": variables[name.group(0)]})
    if not found:
        raise PathError(f"${{{expr}}}: no such value in {name.group(0)!r}")
    return value


def interpolate(value: Any, variables: Mapping[str, Any]) -> Any:
    """``value`` with every ``${ref}`` replaced; a string that is one whole reference keeps its type."""
    if isinstance(value, str):
        whole = _REF.fullmatch(value)
        if whole and whole.group(1) is not None:
            return _lookup(whole.group(1), variables)

        def repl(m: re.Match[str]) -> str:
            if m.group(1) is None:
                return "${"
            found = _lookup(m.group(1), variables)
            return found if isinstance(found, str) else json.dumps(found, ensure_ascii=False)

        return _REF.sub(repl, value)
    if isinstance(value, list):
        return [interpolate(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, variables) for k, v in value.items()}
    return value


# -- dotted edits ----------------------------------------------------------------------------

def dotted(path: str) -> list[str]:
    """``input[0].gend`` and ``input.0.gend`` alike: ``["input", "0", "gend"]``."""
    parts = re.sub(r"\[(\d+)\]", r".\1", path).strip(".").split(".")
    if not all(parts):
        raise PathError(f"dotted path {path!r} has an empty part")
    return parts


def _key(container: Any, part: str, path: str) -> Any:
    if isinstance(container, list):
        if not re.fullmatch(r"-?\d+", part) or not -len(container) <= int(part) < len(container):
            raise PathError(f"{path}: no item {part} in a list of {len(container)}")
        return int(part)
    if isinstance(container, dict):
        return part
    raise PathError(f"{path}: {part!r} is inside a {type(container).__name__}, not an object or list")


def _parent(doc: Any, path: str) -> tuple[Any, Any]:
    parts = dotted(path)
    node = doc
    for part in parts[:-1]:
        key = _key(node, part, path)
        if isinstance(node, dict) and key not in node:
            raise PathError(f"{path}: there is no {part!r}")
        node = node[key]
    return node, _key(node, parts[-1], path)


def get_at(doc: Any, path: str) -> Any:
    node, key = _parent(doc, path)
    if isinstance(node, dict) and key not in node:
        raise PathError(f"{path}: there is no {key!r}")
    return node[key]


def set_at(doc: Any, path: str, value: Any) -> None:
    node, key = _parent(doc, path)
    node[key] = value


def remove_at(doc: Any, path: str) -> None:
    node, key = _parent(doc, path)
    if isinstance(node, dict) and key not in node:
        raise PathError(f"{path}: there is no {key!r} to remove")
    del node[key]
