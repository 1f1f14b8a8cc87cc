"""Known drift, undone in place before schema validation (INTERFACES.md, Known drift).

For every object whose schema declares ``properties``: keys with stray spaces are
stripped, aliases (``x-imgcloud-aliases``) are renamed to the canonical key, ``null``
optional values are dropped (a sender's ``null`` means absent), string values are
stripped of stray spaces, and keys the interface does not define are reported with
the closest defined name.  ``x-imgcloud-wrap: {node, when, rule}`` recognises one item's
fields sent at the top level (a document's table read flat) and moves them into a
one-item ``node`` array.  Each change is a finding, so nothing is silently fixed — except
``x-imgcloud-one-or-many``, where a document allows one object for a one-item array
(004's "多个为json数组").
"""
from __future__ import annotations

import difflib
from typing import Any

from reference.config import ValidationMode
from reference.rules import RULES, Finding

from .paths import join


class Normaliser:
    def __init__(self, mode: ValidationMode) -> None:
        self.mode = mode
        self.findings: list[Finding] = []

    def _add(self, rule: str, path: str, **params: Any) -> None:
        self.findings.append(RULES.finding(rule, mode=self.mode, path=path, **params))

    def walk(self, value: Any, schema: dict[str, Any], path: str) -> Any:
        if isinstance(value, dict) and schema.get("x-imgcloud-one-or-many"):
            value = [value]  # "多个为json数组" (seeds/004): one item may come as an object
        if isinstance(value, dict) and "properties" in schema:
            self._object(value, schema, path)
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                value[i] = self.walk(item, schema["items"], join(path, i))
        elif isinstance(value, str) and value != value.strip():
            if value.strip():  # a blank value is simply empty (and missing, if required)
                self._add("DRIFT-VALUE-SPACE", path, actual=value)
            return value.strip()
        return value

    def _wrap(self, obj: dict[str, Any], schema: dict[str, Any], path: str) -> None:
        spec = schema.get("x-imgcloud-wrap")
        stripped = {k.strip() if isinstance(k, str) else k for k in obj}
        if not spec or spec["node"] in stripped or spec["when"] not in stripped:
            return
        item_schema = schema["properties"][spec["node"]].get("items", {})
        fields = set(item_schema.get("properties", {}))
        item = {k: obj.pop(k) for k in list(obj) if isinstance(k, str) and k.strip() in fields}
        obj[spec["node"]] = [item]
        self._add(spec["rule"], join(path, spec["node"]))

    def _object(self, obj: dict[str, Any], schema: dict[str, Any], path: str) -> None:
        self._wrap(obj, schema, path)
        properties: dict[str, Any] = schema["properties"]
        aliases: dict[str, str] = schema.get("x-imgcloud-aliases", {})
        required = set(schema.get("required", ()))
        for key in list(obj):
            canonical = self._canonical_key(key, properties, aliases, path)
            value = obj.pop(key)
            if value is None and canonical not in required:
                continue
            if canonical in obj:  # both spellings sent: the canonical one wins
                continue
            sub = properties.get(canonical)
            obj[canonical] = self.walk(value, sub, join(path, canonical)) if isinstance(sub, dict) else value

    def _canonical_key(
        self, key: str, properties: dict[str, Any], aliases: dict[str, str], path: str
    ) -> str:
        stripped = key.strip()
        if stripped != key:
            self._add("DRIFT-KEY-SPACE", join(path, stripped), actual=key, expected=stripped)
        if stripped in properties:
            return stripped
        if stripped in aliases:
            target = aliases[stripped]
            if target not in properties:  # a node alias (data/input) is judged by the family
                return stripped
            self._add("DRIFT-ALIAS", join(path, stripped), actual=stripped, expected=target)
            return target
        if stripped not in aliases.values():
            self._unknown(stripped, properties, path)
        return stripped

    def _unknown(self, key: str, properties: dict[str, Any], path: str) -> None:
        close = difflib.get_close_matches(key, list(properties), n=1, cutoff=0.75)
        self._add(
            "SCHEMA-UNKNOWN-FIELD",
            join(path, key),
            field=key,
            suggestion_zh=f"（是否想写 {close[0]}？）" if close else "",
            suggestion_en=f"; did you mean {close[0]}?" if close else "",
        )
