"""A quick "nothing to report" check of a request body, compiled once per (schema, profile).

``inspect_body`` normalises a body (``normalise.py``) and validates it with jsonschema
(``schema.py``); on the hot paths' small bodies that machinery (validator evolution, generator
chains per keyword, the normaliser's per-key rebuild) is most of a request's validation cost
(issue 12).  Most bodies a load test — or a conforming vendor — sends have nothing to report.
The check compiled here answers only that: ``True`` means the normaliser would change nothing and
report nothing and jsonschema would find no error, so the report is the body as it is with no
finding; ``False`` means "not known": the body takes the full path, which alone decides every
refusal, finding, rule id and message.

It is conservative by construction:

- a schema using any keyword jsonschema would act on that is not understood here (``$ref``,
  ``allOf``, ``additionalProperties``, tuple ``items``…) or one the normaliser acts on
  (``x-imgcloud-wrap``, ``x-imgcloud-one-or-many``) compiles to no check at all;
- ``type``, ``properties``, ``items`` and our ``required`` (a blank value is missing) are checked
  here, as jsonschema's Draft 4 and ``schema._required_nonempty`` define them; ``maxLength`` and
  an all-string ``enum`` are checked inline on strings; every other keyword (``pattern``,
  ``minimum``, the ``x-imgcloud-*`` checks…) is checked by calling the validator class's own
  keyword function, so the same code decides;
- the normaliser's every trigger is refused: a key not a defined property (unknown, an alias, with
  stray spaces), a ``null`` value, a string with stray spaces.
"""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from .keywords import out_of_reach

#: ``True``: nothing to report (see the module docstring); ``False``: not known.
Check = Callable[[Any], bool]
#: The size in bytes of the body being checked, as it was sent, when known (``passes``).
_SENT: ContextVar[int | None] = ContextVar("imgcloud_quick_sent", default=None)

#: Keywords handled by the structure of the check itself.
_STRUCTURAL = frozenset({"type", "properties", "items", "required"})
#: Keywords that judge the instance alone (they never descend): delegated to the validator class.
_LEAF = frozenset({
    "minimum", "maximum", "minLength", "maxLength", "pattern", "enum", "format", "multipleOf",
    "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
    "x-imgcloud-format", "x-imgcloud-dictionary", "x-imgcloud-pattern-each", "x-imgcloud-decimal",
    "x-imgcloud-max-json-length",
})
#: Leaf keywords whose verdict is a function of the value and the keyword's own argument only
#: (``dates.check``: no clock, no configuration).
_PURE = frozenset({"x-imgcloud-format"})
#: Not jsonschema keywords, but the normaliser reshapes a body by them.
_RESHAPING = frozenset({"x-imgcloud-wrap", "x-imgcloud-one-or-many"})


class Unsupported(Exception):
    """The schema uses something the quick check does not understand: no quick check."""


def compile_quick(schema: dict[str, Any], validator: Any) -> Check | None:
    """The quick check of ``schema`` (already patched for its profile) validated by ``validator``
    (the compiled ``schema.compile_schema`` of it), or ``None`` when it cannot be built soundly."""
    try:
        return _node(schema, validator)
    except Unsupported:
        return None


def passes(check: Check, body: Any, *, sent: int | None = None) -> bool:
    """``check(body)``, knowing the body was ``sent`` bytes long (when given): no node of it can then
    serialise past ``JSON_GROWTH`` characters a byte, so an ``x-imgcloud-max-json-length`` it cannot
    reach is passed without serialising the node (issue 12: ~12 us of each saved index row)."""
    if sent is None:
        return check(body)
    token = _SENT.set(sent)
    try:
        return check(body)
    finally:
        _SENT.reset(token)


def _json_length(limit: int, fallback: Check) -> Check:
    def check(value: Any) -> bool:
        sent = _SENT.get()
        return (sent is not None and out_of_reach(sent, limit)) or fallback(value)
    return check


def _passes(function: Callable[..., Any], validator: Any, value: Any, schema: dict[str, Any]) -> Check:
    """A keyword judged by jsonschema's own function: passes when it yields no error."""
    def check(instance: Any) -> bool:
        return next(iter(function(validator, value, instance, schema) or ()), None) is None
    return check


def _max_length(limit: int) -> Check:
    return lambda v: not isinstance(v, str) or len(v) <= limit


def _string_enum(allowed: frozenset[str], fallback: Check) -> Check:
    return lambda v: v in allowed if isinstance(v, str) else fallback(v)


def _type(name: Any, validator: Any) -> Check:
    if name == "string":
        return lambda v: isinstance(v, str)
    if name == "object":
        return lambda v: isinstance(v, dict)
    if name == "array":
        return lambda v: isinstance(v, list)
    if isinstance(name, str) and name in ("integer", "number", "boolean"):
        return lambda v: bool(validator.is_type(v, name))
    raise Unsupported(f"type {name!r}")


def _keyword(keyword: str, value: Any, schema: dict[str, Any], validator: Any) -> Check:
    function = type(validator).VALIDATORS[keyword]
    if keyword == "maxLength" and type(value) is int:
        return _max_length(value)
    if keyword == "enum" and isinstance(value, list) and value and all(type(e) is str for e in value):
        return _string_enum(frozenset(value), _passes(function, validator, value, schema))
    if keyword == "x-imgcloud-max-json-length" and type(value) is int:
        return _json_length(value, _passes(function, validator, value, schema))
    if keyword in _PURE:
        return _remembered(_passes(function, validator, value, schema))
    if keyword in _LEAF:
        return _passes(function, validator, value, schema)
    raise Unsupported(keyword)


def _remembered(check: Check, limit: int = 4096) -> Check:
    """``check`` for a keyword whose verdict on a string depends on that string alone: the strings
    it passed are remembered (a load's dates repeat: ``strptime`` is most of a row's check)."""
    passed: set[str] = set()

    def remembered(value: Any) -> bool:
        if type(value) is str and value in passed:
            return True
        ok = check(value)
        if ok and type(value) is str:
            if len(passed) >= limit:
                passed.clear()
            passed.add(value)
        return ok

    return remembered


def _node(schema: Any, validator: Any) -> Check:
    if not isinstance(schema, dict) or schema.keys() & _RESHAPING:
        raise Unsupported("not a plain schema object")
    known = type(validator).VALIDATORS
    keywords = {k: v for k, v in schema.items() if k in known and k not in _STRUCTURAL}
    if schema.get("type") == "string":
        return _string(schema, keywords, validator)
    checks = [_type(schema["type"], validator)] if "type" in schema else []
    checks += [_keyword(k, v, schema, validator) for k, v in keywords.items()]
    required = _required(schema.get("required"))
    properties = _properties(schema.get("properties"), validator) if "properties" in schema else None
    items = _node(schema["items"], validator) if "items" in schema else None

    def check(value: Any) -> bool:
        if value is None or (isinstance(value, str) and value != value.strip()):
            return False  # the normaliser would drop it, or strip it
        for each in checks:
            if not each(value):
                return False
        if isinstance(value, dict):
            if properties is not None and not _object(value, properties):
                return False
            for name in required:
                if value.get(name) in (None, ""):
                    return False  # ``schema._required_nonempty``: missing, null or blank
            return True
        if isinstance(value, list) and items is not None:
            for item in value:
                if not items(item):
                    return False
        return True

    return check


def _string(schema: dict[str, Any], keywords: dict[str, Any], validator: Any) -> Check:
    """A ``type: string`` node: type, stray spaces, ``maxLength`` and an all-string ``enum`` in one
    test (``properties``, ``items`` and ``required`` never apply to a string, in jsonschema or in
    the normaliser)."""
    limit = keywords.pop("maxLength") if type(keywords.get("maxLength")) is int else None
    enum = keywords.get("enum")
    allowed = frozenset(keywords.pop("enum")) if isinstance(enum, list) and enum and all(type(e) is str for e in enum) else None
    rest = [_keyword(k, v, schema, validator) for k, v in keywords.items()]

    def check(value: Any) -> bool:
        if not isinstance(value, str) or value != value.strip():
            return False
        if (limit is not None and len(value) > limit) or (allowed is not None and value not in allowed):
            return False
        for each in rest:
            if not each(value):
                return False
        return True

    return check


def _required(names: Any) -> tuple[str, ...]:
    if names is None:
        return ()
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise Unsupported("required")
    return tuple(names)


def _properties(properties: Any, validator: Any) -> dict[str, Check]:
    if not isinstance(properties, dict) or any(not isinstance(n, str) or n != n.strip() for n in properties):
        raise Unsupported("properties")  # (a name with stray spaces: ``_object`` could not pass its key)
    return {name: _node(sub, validator) for name, sub in properties.items()}


def _object(value: dict[Any, Any], properties: dict[str, Check]) -> bool:
    """Every key a defined property, spelled exactly (no alias, no stray space: no defined name has
    one, ``_properties``), each value passing."""
    for key, item in value.items():
        check = properties.get(key)
        if check is None or not check(item):
            return False
    return True
