"""Scenario steps that call SOAP operations and check XML replies (XPath or dict)."""
from __future__ import annotations

import pytest

from sim.scenario import ScenarioError, parse_scenario
from sim.scenario.expect import check, xpath_value
from sim.scenario.registry import load_families

REPLY = '<?xml version="1.0" encoding="UTF-8"?><response><code>-3</code><desc>传入信息有误</desc></response>'


def test_xpath_values():
    assert xpath_value("/response/code", REPLY) == (True, "-3")
    assert xpath_value("count(/response/*)", REPLY) == (True, 2)
    assert xpath_value("string(/response/desc)", REPLY) == (True, "传入信息有误")
    assert xpath_value("/response/nothing", REPLY) == (False, None)
    assert xpath_value("/response/code", "") == (False, None)
    with pytest.raises(ValueError):
        xpath_value("/response/[", REPLY)


def test_an_xpath_expectation_is_checked_like_a_path():
    roots = {"$": {}, "$xml": REPLY}
    assert check({"xpath": "/response/code", "equals": "-3"}, roots, lambda *a: None) == []
    reasons = check({"xpath": "/response/code", "equals": "0"}, roots, lambda *a: None)
    assert reasons == ['xpath /response/code: expected equals "0", got "-3"']


def test_soap_steps_name_a_wsdl_operation():
    registry = load_families()
    assert "regional_platform.SynApplyInfo" in registry.soap_interfaces()
    assert "hospital.SynStatusInfo" in registry.soap_interfaces()
    good = {"name": "s", "steps": [{"id": "a", "soap": "regional_platform.SynApplyInfo", "args": {"req": "<x/>"},
                                    "expect": [{"xpath": "/response/code", "equals": "0"}]}]}
    assert parse_scenario(good, registry=registry).steps[0].kind == "soap"
    bad = {"name": "s", "steps": [{"id": "a", "soap": "regional_platform.SynApply", "args": {"req": "x"},
                                   "expect": [{"xpath": "/response/code"}]}]}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(bad, registry=registry)
    assert any("xpath needs an operator" in p for p in caught.value.problems)
    bad["steps"][0]["expect"] = [{"xpath": "/response/code", "equals": "0"}]
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(bad, registry=registry)
    assert any("no SOAP operation 'regional_platform.SynApply'" in p for p in caught.value.problems)
