"""A header's value read straight from an ASGI header list, as Starlette's ``Headers.get`` reads it
(the first one of that lower-case name, decoded as latin-1) without building a ``Headers`` and
raising ``KeyError`` for one not sent: a fast-lane request looks up five (issue 12)."""
from __future__ import annotations

from collections.abc import Iterable


def header(raw: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    """The value of the first header called ``name`` (lower case, as ASGI servers send names)."""
    for key, value in raw:
        if key == name:
            return value.decode("latin-1")
    return None
