"""Our schema keywords (``x-imgcloud-*``), checked as part of JSON-Schema validation.

- ``x-imgcloud-format``: a documented date/time layout (DATE, DATETIME, DATE8, DT15, TS14).
  A value in another documented layout is known drift (DRIFT-DATE-FORMAT); anything
  else is a format error.
- ``x-imgcloud-dictionary``: ``name`` or ``{name, separator}``: codes outside the
  dictionary (for the institution's profile).  With an ``enum`` beside it, the enum
  decides and this only names the dictionary in the message.
- ``x-imgcloud-pattern-each``: ``{separator, pattern, label}`` for multi-valued codes.
- ``x-imgcloud-decimal``: ``{length|precision, scale}`` of a BigDecimal (seed "5" with one
  decimal, or "4, 1"): at most ``scale`` decimals and ``length - scale`` integer digits.
- ``x-imgcloud-max-json-length``: a node typed 字符型 n that is sent as JSON: its
  serialised text is at most n characters.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import ValidationError

from reference import dictionaries
from reference.validators import dates


def _error(rule: str, **params: Any) -> ValidationError:
    error = ValidationError(f"{rule}: {params}")
    error.imgcloud = (rule, params)
    return error


def check_format(validator: Any, fmt: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not isinstance(instance, str) or instance == "":
        return
    for problem in dates.check(instance, fmt):
        actual = problem.params.get("actual_format")
        if actual:
            yield _error("DRIFT-DATE-FORMAT", expected=problem.params["expected"], actual_format=dates.label(str(actual)),
                         value=instance)
        else:
            yield _error("SCHEMA-FORMAT", expected=problem.params.get("expected", fmt), value=instance)


def describe_codes(name: str, codes: Iterable[str], profile: str = "default") -> str:
    """``1 男、2 女…``: the allowed codes with their labels, for a message."""
    labels = dictionaries.get(name).labels(profile)
    ordered = sorted(codes)
    shown = [f"{c} {labels.get(c, '')}".strip() for c in ordered[:20]]
    return "、".join(shown) + ("…" if len(ordered) > 20 else "")


def make_check_dictionary(profile: str):
    def check_dictionary(validator: Any, spec: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if "enum" in schema or not isinstance(instance, str) or instance == "":
            return
        name, sep = (spec, None) if isinstance(spec, str) else (spec["name"], spec.get("separator"))
        codes = dictionaries.codes(name, profile)
        for part in instance.split(sep) if sep else [instance]:
            if part not in codes:
                yield _error("SCHEMA-DICTIONARY", value=part, dictionary=dictionaries.get(name).title_zh,
                             allowed=describe_codes(name, codes, profile))

    return check_dictionary


def check_pattern_each(validator: Any, spec: dict[str, Any], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not isinstance(instance, str) or instance == "":
        return
    pattern = re.compile(spec["pattern"])
    for part in instance.split(spec.get("separator", "|")):
        if not pattern.search(part):
            yield _error("SCHEMA-PATTERN", value=part, label=spec.get("label", spec["pattern"]))


def check_decimal(validator: Any, spec: dict[str, Any], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if isinstance(instance, bool) or not isinstance(instance, (int, float)):
        return
    try:
        number = Decimal(str(instance))
    except InvalidOperation:
        return
    scale = int(spec.get("scale", 0))
    digits = int(spec.get("length", spec.get("precision", 0))) - scale
    sign, _, exponent = number.as_tuple()
    decimals = max(0, -int(exponent))
    integer_digits = len(str(abs(int(number))).lstrip("0"))
    if decimals > scale or (digits > 0 and integer_digits > digits):
        yield _error("SCHEMA-DECIMAL", value=instance, digits=digits, scale=scale)


#: No node of a parsed body serialises (compact, ``ensure_ascii=False``) to more than this many
#: characters per byte of the body as sent: a string's characters come out as they went in or shorter
#: (the parser refuses raw control characters; an escape comes out at most as long), punctuation and
#: literals alike, whitespace goes, and a number grows the most — ``1e15`` (4) is ``1000000000000000.0``
#: (18): 4.5 (a character is at least one byte in any encoding).  Checked in tests/transports/test_json_length.py.
JSON_GROWTH = 5


def out_of_reach(sent: int, limit: int) -> bool:
    """Whether no node of a body sent in ``sent`` bytes can serialise past ``limit`` characters
    (``JSON_GROWTH``): its ``x-imgcloud-max-json-length`` is then known to pass without serialising it."""
    return sent * JSON_GROWTH <= limit


def check_max_json_length(validator: Any, limit: int, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if isinstance(instance, (list, dict)):
        length = len(json.dumps(instance, ensure_ascii=False, separators=(",", ":")))
        if length > limit:
            yield _error("SCHEMA-MAXLENGTH", length=length, limit=limit)
