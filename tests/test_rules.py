"""The rule catalogue is complete and well-formed data."""
from __future__ import annotations

import re

import pytest

from reference.rules import RULES, RuleBook
from reference.validators import codes, dates, hiimgindx, idcard, uscc

ALL_RULES = list(RULES)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_is_complete(rule):
    assert re.fullmatch(r"[A-Z]+(-[A-Z0-9]+)+", rule.id)
    assert rule.severity in ("error", "warning") and rule.lenient in (None, "warning")
    assert re.search(r"[\u4e00-\u9fff]", rule.zh), "Chinese message"
    assert re.search(r"[A-Za-z]{3}", rule.en) and not re.search(r"[\u4e00-\u9fff]", rule.en), "English message"
    assert rule.source
    def params(text: str) -> set[str]:
        return {re.sub(r"_(zh|en)$", "", p) for p in re.findall(r"{(\w+)", text)}

    assert params(rule.en) <= params(rule.zh), "the English message says no more than the Chinese one"


@pytest.mark.parametrize("module", [idcard, uscc, codes, hiimgindx], ids=lambda m: m.__name__)
def test_every_validator_problem_has_a_rule(module):
    for code in module.PROBLEM_CODES:
        assert RULES.rule_for_problem(code).problem == code


def test_date_problems_are_reported_through_the_schema_keyword():
    assert set(dates.PROBLEM_CODES) == {"date_format", "date_invalid"}
    assert RULES["DRIFT-DATE-FORMAT"].lenient == "warning" and RULES["SCHEMA-FORMAT"].lenient is None


def test_lenient_mode_demotes_only_drift_rules():
    strict = RULES.finding("ID-CHECK-DIGIT", mode="strict", expected="X", actual="1")
    lenient = RULES.finding("ID-CHECK-DIGIT", mode="lenient", expected="X", actual="1")
    assert (strict.severity, lenient.severity) == ("error", "warning")
    assert RULES.finding("SCHEMA-MAXLENGTH", mode="lenient", length=9, limit=6).severity == "error"
    assert "expected X, got 1" in strict.en and "应为 X" in strict.zh


def test_duplicate_rule_ids_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("- {id: X-ONE, severity: error, zh: 错, en: bad, source: s}\n")
    (tmp_path / "b.yaml").write_text("- {id: X-ONE, severity: error, zh: 错, en: bad, source: s}\n")
    with pytest.raises(ValueError, match="defined twice"):
        RuleBook.load(tmp_path)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_messages_render_as_the_standard_formatter_renders_them(rule):
    """``RULES.finding`` fills a message with ``str.format_map``: the same text as
    ``string.Formatter().vformat`` for every catalogue message, its values given (braces in a value
    kept as they are) or missing (left as ``{name}``)."""
    import string

    from reference.rules.book import _Blank, _render

    for template in (rule.zh, rule.en):
        names = set(re.findall(r"{(\w+)", template))
        for params in ({}, {n: f"{{{n}}}-值-{i}" for i, n in enumerate(sorted(names))},
                       {n: i for i, n in enumerate(sorted(names))}):
            try:
                expected = string.Formatter().vformat(template, (), _Blank(params))
            except (ValueError, TypeError) as exc:  # e.g. a number format given a string
                with pytest.raises(type(exc)):
                    _render(template, params)
                continue
            assert _render(template, params) == expected
