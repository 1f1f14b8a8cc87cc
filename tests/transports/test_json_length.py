"""``x-imgcloud-max-json-length`` is skipped for a body too short to reach it (``JSON_GROWTH``): no node
of any parsed body serialises longer than ``JSON_GROWTH`` characters per byte sent (issue 12)."""
from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reference.transports.http.validation import _over_json_length
from reference.validation.keywords import JSON_GROWTH

#: Number literals as a sender may write them: exponents are where a number grows the most.
_NUMBERS = st.builds(lambda sign, digits, frac, exp: f"{sign}{digits}{frac}{exp}",
                     st.sampled_from(["", "-"]), st.from_regex(r"\A(0|[1-9][0-9]{0,3})\Z"),
                     st.sampled_from(["", ".0", ".5", ".25", ".000001"]),
                     st.sampled_from(["", *(f"{e}{s}{k}" for e in "eE" for s in ("", "+", "-") for k in range(0, 25))]))
_STRINGS = st.text(max_size=8).map(lambda t: json.dumps(t, ensure_ascii=False)) | \
    st.text(max_size=8).map(json.dumps) | st.sampled_from(['"\\/"', '"\\ud800"', '"\\u00e9"', '"\\n"'])
_LEAVES = _NUMBERS | _STRINGS | st.sampled_from(["true", "false", "null", "NaN", "Infinity", "-Infinity", "1E400"])


def _texts(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return (st.lists(children, max_size=4).map(lambda items: "[" + ",".join(items) + "]")
            | st.lists(st.tuples(_STRINGS, children), max_size=4).map(
                lambda pairs: "{" + ",".join(f"{k}:{v}" for k, v in pairs) + "}"))


def _nodes(value: Any) -> list[Any]:
    found = [value]
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for child in children:
        found += _nodes(child)
    return found


@given(st.recursive(_LEAVES, _texts, max_leaves=12))
def test_no_node_serialises_longer_than_the_growth_bound(text):
    raw = text.encode("utf-8")
    for node in _nodes(json.loads(raw)):
        assert len(json.dumps(node, ensure_ascii=False, separators=(",", ":"))) <= JSON_GROWTH * len(raw)


def test_a_node_over_the_limit_is_still_refused():
    schema = {"properties": {"data": {"x-imgcloud-max-json-length": 40}}}
    body = {"data": ["x" * 20, "y" * 20]}
    sent = len(json.dumps(body).encode())
    assert sent * JSON_GROWTH > 40
    assert [f.rule for f in _over_json_length(body, schema, sent)] == ["SCHEMA-MAXLENGTH"]
    short = {"data": ["x"]}
    assert _over_json_length(short, schema, len(json.dumps(short).encode())) == []


def test_the_numbers_that_grow_most_stay_within_the_bound():
    """Every short literal with an exponent, each alone and as a row node's element: ``1e15`` → 4.5."""
    worst = 0.0
    for digit in "0123456789":
        for e in "eE":
            for sign in ("", "+", "-"):
                for k in range(30):
                    for text in (f"{digit}{e}{sign}{k}", f"[{digit}{e}{sign}{k}]", f"-{digit}.0{e}{sign}{k}"):
                        raw = text.encode()
                        for node in _nodes(json.loads(raw)):
                            grown = len(json.dumps(node, ensure_ascii=False, separators=(",", ":"))) / len(raw)
                            worst = max(worst, grown)
    assert 4 < worst <= JSON_GROWTH


def test_the_quick_check_passes_a_length_the_body_cannot_reach(monkeypatch: Any):
    """The quick check (``quick.passes``) skips serialising a node whose body was sent too short to
    reach its limit, and still serialises — and does not pass — one that may reach it."""
    from reference.validation import keywords
    from reference.validation.quick import compile_quick, passes
    from reference.validation.schema import compile_schema

    schema = {"type": "object", "properties": {"data": {"type": "array", "items": {"type": "string"},
                                                        "x-imgcloud-max-json-length": 100}}}
    check = compile_quick(schema, compile_schema(schema, "default"))
    assert check is not None
    real = json.dumps
    sent = {"short": len(real({"data": ["x"]}).encode()), "over": len(real({"data": ["x" * 60, "y" * 60]}).encode())}
    dumped: list[Any] = []
    monkeypatch.setattr(keywords.json, "dumps", lambda value, **kw: dumped.append(value) or real(value, **kw))
    assert passes(check, {"data": ["x"]}, sent=sent["short"]) and dumped == []  # 15 bytes: at most 75 characters
    assert passes(check, {"data": ["x"]}) and len(dumped) == 1  # the size not known: serialised
    assert not passes(check, {"data": ["x" * 60, "y" * 60]}, sent=sent["over"]) and len(dumped) == 2
    assert passes(check, {"data": ["x"]}, sent=20) and len(dumped) == 2  # at most 100 characters
    assert passes(check, {"data": ["x"]}, sent=21) and len(dumped) == 3
