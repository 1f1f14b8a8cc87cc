"""The gateway's parameter strings (seeds/001 §4.3–4.4): 001's `$`-for-`%` encoding with every bad
escape named at its position, the three launch-string forms, and the drift 001 itself shows."""
from __future__ import annotations

import pytest

from reference.families.gateway import params, plugin

SEED_EXAMPLE = "hisUserId=1001&type=1&doctorName=$E5$BC$A0$E5$8C$BB$E7$94$9F"
DOCTOR = {"hisUserId": "1001", "type": "1", "doctorName": "张医生", "department": "放射科", "departmentCode": "FSK01",
          "doctorSex": "1", "doctorIdCardNo": "04abcdef", "doctorCode": "D51080200001", "doctorType": "1",
          "hospitalId": "H51080200012", "phoneNumber": "13800000000"}


def _rules(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.rule for f in findings]


def test_the_seed_example_decodes_to_zhang_yisheng():
    parsed = params.parse(SEED_EXAMPLE, dollar=True)
    assert parsed.values == {"hisUserId": "1001", "type": "1", "doctorName": "张医生"} and parsed.findings == []


def test_the_seed_example_is_answered_with_every_missing_field_and_the_decoded_name():
    body, findings = plugin.check(params.parse(SEED_EXAMPLE, dollar=True).values, "strict")
    missing = next(f for f in findings if f.rule == "GW-PARAM-MISSING")
    for name in ("hospitalId", "department", "doctorSex", "doctorType", "doctorCode", "doctorIdCardNo"):
        assert name in missing.zh and name in missing.en
    assert "doctorName=张医生" in missing.zh and missing.is_error
    assert "GW-HRBALL-FIELD-SETS" in _rules(findings)  # departmentCode: the table has it, the launch strings do not


@pytest.mark.parametrize(("query", "position", "snippet"), [
    ("doctorName=$E5$BC$Z0", 18, "$Z0"),
    ("a=1&doctorName=$E", 16, "$E"),
    ("doctorName=张$", 13, "$"),
])
def test_a_dollar_without_two_hex_digits_is_named_at_its_position(query, position, snippet):
    parsed = params.parse(query, dollar=True)
    bad = [f for f in parsed.findings if f.rule == "GW-DOLLAR-ESCAPE"]
    assert len(bad) == 1 and bad[0].params["position"] == position and bad[0].params["snippet"] == snippet
    assert query[position - 1] == "$"
    assert "GW-DOLLAR-UTF8" not in _rules(parsed.findings)  # the escape explains the broken bytes


def test_bytes_that_are_not_utf8_are_named():
    parsed = params.parse("doctorName=$E5$BC", dollar=True)
    assert _rules(parsed.findings) == ["GW-DOLLAR-UTF8"] and parsed.findings[0].params["position"] == 12


def test_percent_or_raw_chinese_is_accepted_with_a_warning():
    for query in ("doctorName=%E5%BC%A0%E5%8C%BB%E7%94%9F", "doctorName=张医生"):
        parsed = params.parse(query, dollar=True)
        assert parsed.values["doctorName"] == "张医生"
        assert _rules(parsed.findings) == ["GW-HRBALL-ENCODING"] and not parsed.findings[0].is_error


def test_a_query_string_is_bounded():
    assert _rules(params.parse("a=" + "x" * params.MAX_QUERY).findings) == ["GW-QUERY-TOO-LONG"]


@pytest.mark.parametrize("form", plugin.FORMS)
def test_every_launch_form_round_trips(form):
    text = plugin.build(DOCTOR, form, base="http://10.0.0.8:8080")
    parsed = plugin.parse_launch(text)
    assert parsed.form == form and parsed.values == DOCTOR and parsed.findings == []
    assert "$E5$BC$A0$E5$8C$BB$E7$94$9F" in text and "%" not in text
    assert {"cs": text.startswith('"C:/'), "bs": text.startswith("WYHT://hisUserId=1001&type=1&"),
            "http": text.startswith("http://10.0.0.8:8080/hrball/?hisUserId=1001")}[form]


def test_the_documents_own_template_drift_is_named():
    """001's BS template: quotes after WYHT://, a stray space after ${type}, a space before doctorSex, and
    the broken &{phoneNumber}=phoneNumber placeholder."""
    text = ('WYHT://"hisUserId=1001&type=1 &doctorName=$E5$BC$A0&department=$E6$94$BE& doctorSex=1&doctorIdCardNo=04ab'
            '&doctorCode=D1&doctorType=1&hospitalId=H51080200012&{phoneNumber}=phoneNumber"')
    parsed = plugin.parse_launch(text)
    assert parsed.form == "bs" and _rules(parsed.findings) == ["GW-LAUNCH-QUOTED"]
    body, findings = plugin.check(parsed.values, "strict", parsed.findings)
    rules = _rules(findings)
    assert {"GW-HRBALL-PLACEHOLDER", "DRIFT-VALUE-SPACE", "DRIFT-KEY-SPACE", "GW-HRBALL-FIELD-SETS"} <= set(rules)
    assert "GW-PARAM-MISSING" not in rules and body["doctorSex"] == "1" and body["type"] == "1"
    assert any(f.is_error for f in findings)  # strict: drift refuses
    _, lenient = plugin.check(parsed.values, "lenient", parsed.findings)
    assert not any(f.is_error for f in lenient)  # lenient: the same drift warns


def test_hospitalld_is_known_drift():
    body, findings = params.inspect({"accessNumber": "A1", "modality": "CT", "hospitalld": "H51080200011"}, "QrParams",
                                    operation="qrurl", mode="strict")
    assert body["hospitalId"] == "H51080200011" and _rules(findings) == ["DRIFT-ALIAS"] and findings[0].is_error
    assert "hospitalId" in findings[0].en
    _, lenient = params.inspect({"accessNumber": "A1", "modality": "CT", "hospitalld": "H1"}, "QrParams",
                                operation="qrurl", mode="lenient")
    assert _rules(lenient) == ["DRIFT-ALIAS"] and not lenient[0].is_error


def test_logout_needs_only_the_user():
    _, findings = plugin.check({"hisUserId": "1001", "type": "2"}, "strict")
    assert findings == []


def test_not_a_launch_string():
    assert _rules(plugin.parse_launch("hello world").findings) == ["GW-LAUNCH-FORM"]
    assert plugin.parse_launch("hello world").form is None


def test_secrets_are_never_shown_in_what_was_received():
    assert "04abcdef" not in params.shown({"doctorIdCardNo": "04abcdef", "doctorName": "张医生"})
