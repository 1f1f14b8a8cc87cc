"""Secrets are not kept in the exchange log: the values of secret fields (``key``, ``appSecret``,
tokens, ``sign``, ``License``…, ``exchange_log.secret_fields``) are stored and shown masked — all
but their last four characters — in JSON bodies, in the text of bodies kept as text or head
(XML elements, also inside a document sent escaped as a SOAP argument), and in query strings."""
from __future__ import annotations

import json
import os
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
def _lowered(fields: tuple[str, ...]) -> tuple[str, ...] | None:
    """The field names in lower case, when all are ASCII (``None`` otherwise: the regex decides)."""
    return tuple(f.lower() for f in fields) if all(f.isascii() for f in fields) else None


#: The only characters outside ASCII that ``re.IGNORECASE`` matches to an ASCII letter (İ ı → i,
#: ſ → s, the Kelvin sign → k: checked over every code point).
_FOLDS = "\u0130\u0131\u017f\u212a"
_FOLDS_TO_ASCII = re.compile(f"[{_FOLDS}]")


def _mentioned(text: str, fields: tuple[str, ...]) -> bool:
    """Whether ``text`` names a field, as ``_mentions`` finds it.  With ASCII names and no character
    folding onto an ASCII letter, this is a substring test of the lower-cased text — what the
    case-insensitive alternation matches, ~20x cheaper on a 1 KB body head (issue 12: the response
    head of every ``queryImgCahe`` was ~40 % of its in-process CPU); else the regex decides."""
    lowered = _lowered(fields)
    if lowered is not None and (text.isascii() or not _FOLDS_TO_ASCII.search(text)):
        low = text.lower()
        return any(name in low for name in lowered)
    return _mentions(fields).search(text) is not None


@cache
def _ordered(names: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(names))


#: Every pattern's match holds one of these (a quote, ``<``, ``&lt;``, ``?`` or ``&``): a text with none
#: of them is never changed by ``mask_text`` — base64, a UID, most values of a body.
_PATTERNED = ('"', "<", "&", "?")


def _patterned(text: str) -> bool:
    """Whether a pattern could match in ``text`` at all (four ``memchr`` scans: cheaper than finding
    a field's name in it, which base64 spells by chance — ``key`` about once in 40 KB)."""
    return any(c in text for c in _PATTERNED)


def mask_text(text: str, fields: Iterable[str]) -> str:
    fields = tuple(fields)
    if not _patterned(text) or (fields and not _mentioned(text, fields)):
        return text
    for pattern in _patterns(fields):
        text = pattern.sub(lambda m: f"{m.group(1)}{masked(m.group(2))}{m.group(3)}", text)
    return text


def mask(value: Any, fields: Iterable[str]) -> Any:
    """``value`` (a body as the log keeps it, JSON or text) with every secret masked."""
    names = fields if isinstance(fields, frozenset) else frozenset(fields)
    ordered = _ordered(names)
    return _walk(value, names, ordered, _lowered(ordered) if ordered else None)  # no names: mask_text decides


def _walk(value: Any, names: frozenset[str], ordered: tuple[str, ...], lowered: tuple[str, ...] | None) -> Any:
    """``mask``'s walk.  A string naming no field is returned as it is, judged here as ``_mentioned``
    judges it, without ``mask_text``'s calls: a saved index row has ~80 strings, and the walk was
    most of an exchange record's cost (issue 12)."""
    if isinstance(value, str):
        if not _patterned(value):
            return value
        if lowered is not None and (value.isascii() or not _FOLDS_TO_ASCII.search(value)):
            low = value.lower()
            for name in lowered:
                if name in low:
                    return mask_text(value, ordered)
            return value
        return mask_text(value, ordered)
    if isinstance(value, dict):
        return {k: (masked(v) if k in names and isinstance(v, (str, int)) else _walk(v, names, ordered, lowered))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, names, ordered, lowered) for v in value]
    return value


#: How many mentions of a field ``mask_json`` judges in the text before it leaves the body to the walk.
MENTIONS = 16
#: ``json.dumps``'s escapes (``\u0130``…) of the characters ``re.IGNORECASE`` folds onto an ASCII letter.
_ESCAPED_FOLDS = re.compile("|".join(re.escape(json.dumps(c)[1:-1]) for c in _FOLDS))
_NUMBER = re.compile(r"-?\d+([.eE][-+.\deE]*)?")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
#: Names ``json.dumps`` could also write for a key that is not a string (``True`` -> ``"true"``; numbers too).
_LITERALS = frozenset({"true", "false", "null", "NaN", "Infinity", "-Infinity"})


def mask_json(value: Any, fields: Iterable[str], *, large: bool = False) -> str | None:
    """``json.dumps(mask(value, fields))`` — a body record as the log stores it — or ``None`` when
    ``value`` is not JSON as it is.

    Made from ``json.dumps(value)``, which the log needs anyway: a text naming no field is the
    answer as it is, and one naming a field only as keys that are fields has their values masked in
    the text, without walking every string (issue 12: an index row's ~80 strings, the save's
    record); any other mention (a string value naming a field, a key containing one) is left to
    the walk, which decides exactly as before.

    ``large``: the value may hold strings of ``LONG`` characters or more (its body is that large);
    those no pattern can change are set aside while the text is judged (``_set_aside``), once
    ``_holds_long`` has found one."""
    names = fields if isinstance(fields, frozenset) else frozenset(fields)
    ordered = _ordered(names)
    aside: list[str] = []
    judged = _set_aside(value, names, aside) if large and _textual(ordered) and _holds_long(value) else value
    try:
        text = json.dumps(judged)
    except (TypeError, ValueError):
        return None
    if _textual(ordered):
        found = _masked_in_text(text, names, ordered)
        if found is not None and aside:
            found = _restored(found, aside)
        if found is not None:
            return found
    return json.dumps(mask(value, names))


#: The length from which ``mask_json`` sets a string aside (when no pattern can change it).
LONG = 2048
#: Set-aside strings are written in the text as ``"\u0000<nonce>:<n>\u0000"`` while it is judged:
#: random per process, and each found exactly once before it is replaced (``_restored``), so a body
#: spelling one by chance only takes the walk.
_NONCE = os.urandom(8).hex()


def _holds_long(value: Any) -> bool:
    """Whether ``value`` holds a string of ``LONG`` characters or more: found without copying, so a
    large body without one (a save of 18 index rows, ~1,500 short strings) is not copied by
    ``_set_aside`` for nothing (~0.4-1.1 ms of such a save's record; a 1-row save's 3 KB, ~25 us).
    Exact types only (``json.loads``'s): a subclass is not looked into, and ``mask_json`` then
    judges the body without setting anything aside, as it would any other."""
    if type(value) is dict:
        items: Iterable[Any] = value.values()
    elif type(value) is list:
        items = value
    else:
        return type(value) is str and len(value) >= LONG
    for item in items:
        kind = type(item)
        if kind is str:
            if len(item) >= LONG:
                return True
        elif (kind is dict or kind is list) and _holds_long(item):
            return True
    return False


def _set_aside(value: Any, names: frozenset[str], aside: list[str]) -> Any:
    """``value`` with each string of ``LONG`` characters or more that no pattern can change
    (``_patterned``) and no secret key holds replaced by its marker, appended to ``aside``; the
    containers on the way copied, ``value`` itself untouched (issue 12: a pulled file's reply kept
    whole — 47 KB of base64, which spells ``key`` or ``sign`` by chance — searched for every field's
    name, then walked and every pattern run over it: ~0.4 ms of each image the province pulls)."""
    if isinstance(value, str):
        if len(value) >= LONG and not _patterned(value):
            aside.append(value)
            return f"\x00{_NONCE}:{len(aside) - 1}\x00"
        return value
    if isinstance(value, dict):
        kept = {k: v if k in names and isinstance(v, (str, int)) else _set_aside(v, names, aside)
                for k, v in value.items()}
        return kept if any(kept[k] is not v for k, v in value.items()) else value
    if isinstance(value, list):
        items = [_set_aside(v, names, aside) for v in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


#: The characters ``json.dumps`` writes as they are: printable ASCII but the quote and the backslash.
_AS_THEY_ARE = bytes(range(0x20, 0x7F)).replace(b'"', b"").replace(b"\\", b"")


def _dumped(string: str) -> str:
    """``json.dumps(string)``, written directly when every character is one it writes as it is
    (base64, a UID): its escaping loop costs ~3 ns a character, ~0.15 ms of a 47 KB file's base64."""
    if string.isascii() and not string.encode("ascii").translate(None, _AS_THEY_ARE):
        return f'"{string}"'
    return json.dumps(string)


def _restored(text: str, aside: list[str]) -> str | None:
    """``text`` with each marker written back as its string, serialised; ``None`` unless each
    marker is found exactly once (then the walk decides)."""
    spans = []
    for n, string in enumerate(aside):
        marker = json.dumps(f"\x00{_NONCE}:{n}\x00")
        start = text.find(marker)
        if start < 0 or text.find(marker, start + 1) >= 0:
            return None
        spans.append((start, start + len(marker), string))
    parts, at = [], 0
    for start, end, string in sorted(spans):
        parts += [text[at:start], _dumped(string)]
        at = end
    return "".join(parts) + text[at:]


@cache
def _textual(ordered: tuple[str, ...]) -> bool:
    """Names ``mask_json`` can judge in the text: written there as they are (printable ASCII, no
    quote or backslash), only ever for a string key (not a literal or a number), not starting with
    what may follow a string's closing quote."""
    return bool(ordered) and all(n and n.isascii() and n.isprintable() and '"' not in n and "\\" not in n
                                 and n[0] not in ",:]} " and n not in _LITERALS and not _NUMBER.fullmatch(n)
                                 for n in ordered)


@cache
def _covering(ordered: tuple[str, ...]) -> tuple[str, ...]:
    """The lower-cased names none of the others' contains: where none of these is, no name is."""
    low = sorted({n.lower() for n in ordered}, key=len)
    return tuple(n for i, n in enumerate(low) if not any(m in n for m in low[:i]))


def _masked_in_text(text: str, names: frozenset[str], ordered: tuple[str, ...]) -> str | None:
    """``text`` (``json.dumps``'s: ASCII) with the value of every key that is a field masked, when
    every mention of a field (case-insensitive, as ``_mentioned``) is such a key; else ``None``."""
    if _ESCAPED_FOLDS.search(text):
        return None  # a letter folding onto ASCII: the walk's regex decides
    low = text.lower()
    hits = [i for name in _covering(ordered) for i in _positions(low, name)]
    if not hits:
        return text
    if len(hits) > MENTIONS:
        return None
    keys: dict[int, int] = {}  # opening quote -> closing quote, of each key that is a field
    for i in hits:
        start, end = text.rfind('"', 0, i), text.find('"', i)
        # the token is a field's name exactly, its opening quote is one (not escaped: a space or
        # ``{`` before it), and a colon follows it: a key (a string value is followed by , ] or })
        if (start < 1 or end < 0 or text[start + 1:end] not in names or text[start - 1] not in " {"
                or text[end + 1:end + 3] != ": "):
            return None
        keys[start] = end
    parts, at = [], 0
    for start in sorted(keys):
        value = keys[start] + 3
        token = _token(text, value)
        if token is not None:
            parts += [text[at:value], json.dumps(masked(token[1]))]
            at = token[0]
    return "".join(parts) + text[at:]


def _positions(text: str, name: str) -> list[int]:
    found, at = [], text.find(name)
    while at >= 0:
        found.append(at)
        at = text.find(name, at + 1)
    return found


def _token(text: str, at: int) -> tuple[int, Any] | None:
    """The value at ``at`` when ``mask`` masks it (a string, an integer, a boolean): where it ends,
    and the value; ``None`` for any other (``null``, a float, an object or array: walked, unmasked)."""
    if text.startswith('"', at):
        end = _STRING.match(text, at).end()  # type: ignore[union-attr]  # json.dumps wrote a string here
        return end, json.loads(text[at:end])
    if text.startswith("true", at):
        return at + 4, True
    if text.startswith("false", at):
        return at + 5, False
    number = _NUMBER.match(text, at)
    if number is None or number.group(1) is not None:
        return None
    return number.end(), int(number.group())
