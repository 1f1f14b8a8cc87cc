"""JSON-Schema validation of a normalised body, every error turned into a named finding."""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import jsonschema
from connexion.json_schema import Draft4RequestValidator
from jsonschema import Draft4Validator, ValidationError

from reference import dictionaries
from reference.config import ValidationMode
from reference.rules import RULES, Finding

from .keywords import (
    check_decimal,
    check_format,
    check_max_json_length,
    check_pattern_each,
    describe_codes,
    make_check_dictionary,
)
from .paths import json_path

_REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")
_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object", type(None): "null"}


def _required_nonempty(validator: Any, required: list[str], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """Draft-4 ``required``, also failing on an empty string: a blank required field is missing."""
    if not isinstance(instance, dict):
        return
    for name in required:
        if name not in instance or instance[name] == "" or instance[name] is None:
            yield ValidationError(f"{name!r} is a required property")


@lru_cache(maxsize=64)
def _validator_class(profile: str) -> type:
    return jsonschema.validators.extend(
        Draft4RequestValidator,
        {
            "required": _required_nonempty,
            "x-imgcloud-format": check_format,
            "x-imgcloud-dictionary": make_check_dictionary(profile),
            "x-imgcloud-pattern-each": check_pattern_each,
            "x-imgcloud-decimal": check_decimal,
            "x-imgcloud-max-json-length": check_max_json_length,
        },
    )


def compile_schema(schema: dict[str, Any], profile: str) -> Any:
    return _validator_class(profile)(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def _to_finding(error: ValidationError, mode: ValidationMode) -> Finding:
    parts = list(error.absolute_path)
    custom = getattr(error, "imgcloud", None)
    if custom:
        rule, params = custom
        return RULES.finding(rule, mode=mode, path=json_path(parts), **params)
    keyword = error.validator
    if keyword == "required":
        match = _REQUIRED.match(error.message)
        name = match.group("name") if match else error.message
        return RULES.finding("SCHEMA-REQUIRED", mode=mode, path=json_path([*parts, name]), field=name)
    path = json_path(parts)
    if keyword == "maxLength":
        return RULES.finding("SCHEMA-MAXLENGTH", mode=mode, path=path, length=len(error.instance), limit=error.validator_value)
    if keyword == "enum":
        name = error.schema.get("x-imgcloud-dictionary")
        values = [str(v) for v in error.validator_value]
        if isinstance(name, str):
            title, allowed = dictionaries.get(name).title_zh, describe_codes(name, values)
        else:
            title, allowed = path, "、".join(values)
        return RULES.finding("SCHEMA-ENUM", mode=mode, path=path, value=error.instance, dictionary=title, allowed=allowed)
    if keyword == "type":
        actual = _JSON_TYPES.get(type(error.instance), type(error.instance).__name__)
        return RULES.finding("SCHEMA-TYPE", mode=mode, path=path, expected=error.validator_value, actual=actual)
    if keyword in ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"):
        return RULES.finding("SCHEMA-RANGE", mode=mode, path=path, value=error.instance,
                             detail=f"{keyword} {error.validator_value}")
    if keyword == "pattern":
        label = error.schema.get("description", error.validator_value)
        return RULES.finding("SCHEMA-PATTERN", mode=mode, path=path, value=error.instance, label=label)
    return RULES.finding("SCHEMA-INVALID", mode=mode, path=path, detail=error.message)


#: Findings that explain a value (its layout, its code list); a length error on the same
#: value is a consequence and is not reported again (``chkDate`` sent as a datetime where
#: 000 has yyyyMMdd of length 8: one DRIFT-DATE-FORMAT, not also SCHEMA-MAXLENGTH).
_EXPLAINING = frozenset({"DRIFT-DATE-FORMAT", "SCHEMA-FORMAT", "SCHEMA-DICTIONARY", "SCHEMA-PATTERN"})


def validate(validator: Any, body: Any, mode: ValidationMode) -> list[Finding]:
    errors = sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path])
    findings = [_to_finding(error, mode) for error in errors]
    explained = {f.path for f in findings if f.rule in _EXPLAINING}
    return [f for f in findings if not (f.rule == "SCHEMA-MAXLENGTH" and f.path in explained)]
