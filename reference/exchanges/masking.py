"""Secrets are not kept in the exchange log: the values of secret fields (``key``, ``appSecret``,
tokens, ``sign``, ``License``…, ``exchange_log.secret_fields``) are stored and shown masked — all
but their last four characters — in JSON bodies, in the text of bodies kept as text or head
(XML elements, also inside a document sent escaped as a SOAP argument), and in query strings."""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any


def masked(value: Any) -> Any:
    """``"FC0BDD78BDD3FDE1A2B3"`` -> ``"****A2B3"`` (short values wholly masked)."""
    text = str(value)
    return "****" + text[-4:] if len(text) > 8 else "****"


@cache
def _patterns(fields: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    names = "|".join(re.escape(f) for f in fields)
    return (
        re.compile(rf'("(?:{names})"\s*:\s*")([^"]*)(")'),                  # JSON text
        re.compile(rf"(<(?:{names})>)([^<]*)(</(?:{names})>)", re.IGNORECASE),  # XML text
        # a document escaped inside another (004's SOAP <req>, <inputString>): &lt;License&gt;…&lt;/License&gt;
        re.compile(rf"(&lt;(?:{names})&gt;)([^&<]*)(&lt;/(?:{names})&gt;)", re.IGNORECASE),
        re.compile(rf"([?&](?:{names})=)([^&#]*)()"),                        # a query string
    )


@cache
def _mentions(fields: tuple[str, ...]) -> re.Pattern[str]:
    """Any field name (case-insensitive, as the XML pattern): a text without one has nothing to mask."""
    return re.compile("|".join(re.escape(f) for f in fields), re.IGNORECASE)


@cache
def _ordered(names: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(names))


def mask_text(text: str, fields: Iterable[str]) -> str:
    fields = tuple(fields)
    if fields and not _mentions(fields).search(text):
        return text
    for pattern in _patterns(fields):
        text = pattern.sub(lambda m: f"{m.group(1)}{masked(m.group(2))}{m.group(3)}", text)
    return text


def mask(value: Any, fields: Iterable[str]) -> Any:
    """``value`` (a body as the log keeps it, JSON or text) with every secret masked."""
    names = fields if isinstance(fields, frozenset) else frozenset(fields)
    if isinstance(value, dict):
        return {k: (masked(v) if k in names and isinstance(v, (str, int)) else mask(v, names)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, names) for v in value]
    if isinstance(value, str):
        return mask_text(value, _ordered(names))
    return value
