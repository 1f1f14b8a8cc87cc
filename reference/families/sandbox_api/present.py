"""An exchange's bodies as the console shows them: JSON and XML pretty-printed, DICOM command and
identifier as fields, and every large value — a body kept as size + sha256 + head, bytes, a long
base64 string inside JSON or XML — as its size, sha256 and a download link, never inline."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

#: Longer strings are shown as size + sha256 + link (base64 images, embedded documents).
LONG = 300
#: Text longer than this is not pretty-printed (shown as kept, with its long runs cut).
PRETTY_LIMIT = 256 * 1024
_RUN = re.compile(r"[A-Za-z0-9+/=\r\n]{" + str(LONG) + ",}")
BODY_KEYS = ("headers", "json", "body", "base64", "size", "media_type", "sha256", "truncated", "head", "fault",
             "unstorable")


@dataclass
class Large:
    """A value left out of the page: where it was, its size and digest, where to download it."""

    path: str
    size: int
    sha256: str
    href: str


@dataclass
class Shown:
    """One body as shown: a heading line, the pretty text, the large values left out."""

    kind: str
    text: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    large: list[Large] = field(default_factory=list)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _cut_json(value: Any, path: str, href: str, large: list[Large]) -> Any:
    if isinstance(value, dict):
        return {k: _cut_json(v, f"{path}.{k}" if path else str(k), href, large) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut_json(v, f"{path}.{i}" if path else str(i), href, large) for i, v in enumerate(value)]
    if isinstance(value, str) and len(value) > LONG:
        item = Large(path, len(value), _digest(value), f"{href}?field={path}")
        large.append(item)
        return f"«{item.size} 字符 chars, sha256 {item.sha256[:16]}…, 见下载 / see download»"
    return value


def _cut_text(text: str, href: str, large: list[Large]) -> str:
    def replace(match: re.Match[str]) -> str:
        run = match.group()
        item = Large(f"@{match.start()}", len(run), _digest(run), href)
        large.append(item)
        return f"«{item.size} chars, sha256 {item.sha256[:16]}…»"
    return _RUN.sub(replace, text)


def _pretty_xml(text: str) -> str:
    """XML re-indented by the hardened parser; as it came when it does not parse."""
    if len(text) > PRETTY_LIMIT:
        return text
    from lxml import etree

    from reference.transports.soap.xml import XmlRefused, parse

    try:
        root = parse(text, what="console")
    except (XmlRefused, ValueError):
        return text
    etree.indent(root, space="  ")
    return str(etree.tostring(root, encoding="unicode"))


def show(part: dict[str, Any] | None, href: str) -> Shown:
    """``part`` (a request or response record) as the console shows it; ``href`` downloads it."""
    part = part or {}
    meta = {k: part[k] for k in ("size", "media_type") if part.get(k) is not None}
    large: list[Large] = []
    if part.get("truncated"):
        large.append(Large("(body)", int(part.get("size") or 0), str(part.get("sha256") or ""), href))
        head = str(part.get("head") or "")
        return Shown("head", _cut_text(head[:2000], href, large), meta, large)
    if "json" in part:
        return Shown("json", json.dumps(_cut_json(part["json"], "", href, large), ensure_ascii=False, indent=2), meta, large)
    if "base64" in part:
        data = str(part["base64"])
        large.append(Large("(body)", int(part.get("size") or len(data) * 3 // 4), _digest(data), href))
        return Shown("bytes", "", meta, large)
    if isinstance(part.get("body"), str):
        text = part["body"]
        if text.lstrip().startswith("<"):
            return Shown("xml", _cut_text(_pretty_xml(text), href, large), meta, large)
        return Shown("text", _cut_text(text, href, large), meta, large)
    fields = {k: v for k, v in part.items() if k not in BODY_KEYS}
    if fields:  # DICOM: the command's facts and the identifier's elements
        return Shown("fields", json.dumps(_cut_json(fields, "", href, large), ensure_ascii=False, indent=2), meta, large)
    return Shown("empty", "", meta, large)


def field_value(part: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of a JSON body (list indexes as numbers), or KeyError."""
    value: Any = part.get("json") if "json" in part else {k: v for k, v in part.items() if k not in BODY_KEYS}
    for key in path.split("."):
        if isinstance(value, list):
            value = value[int(key)]
        elif isinstance(value, dict):
            value = value[key]
        else:
            raise KeyError(path)
    return value
