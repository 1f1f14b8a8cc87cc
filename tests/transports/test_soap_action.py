"""The SOAPAction header read against the Body's operation (reference/transports/soap/envelope.py):
which forms name the operation, and the severity of a header naming another one (strict: error,
lenient: warning) or none the sandbox serves (warning)."""
from __future__ import annotations

import pytest

from reference.transports.soap import envelope, wsdl
from reference.transports.soap.front import soap_operations

APPLY = wsdl.load("soap/syninfo.wsdl").operations["SynApplyInfo"]


@pytest.mark.parametrize(("header", "named"), [
    (None, None), ("", None), ('""', None), ('"SynApplyInfo"', "SynApplyInfo"), ("urn:SynApplyInfo", "SynApplyInfo"),
    ('"http://service.ylz.com/SynApplyInfo"', "SynApplyInfo"), ("http://service.ylz.com/#SynStatusInfo", "SynStatusInfo"),
])
def test_the_operation_a_soapaction_names(header: str | None, named: str | None) -> None:
    assert envelope.action_named(header) == named


def test_another_served_operation_is_an_error_strict_and_a_warning_lenient() -> None:
    assert soap_operations()["SynStatusInfo"] == "/his/{hospital}/SynStatusInfo"
    strict = envelope.check_action('"SynStatusInfo"', APPLY, soap_operations())
    lenient = envelope.check_action('"SynStatusInfo"', APPLY, soap_operations(), mode="lenient")
    assert [(f.rule, f.severity) for f in strict] == [("SOAP-ACTION-MISMATCH", "error")]
    assert [(f.rule, f.severity) for f in lenient] == [("SOAP-ACTION-MISMATCH", "warning")]
    assert "/his/{hospital}/SynStatusInfo" in strict[0].en and strict[0].path == "HTTP header SOAPAction"


def test_an_unknown_operation_is_a_warning_and_the_body_operation_is_fine() -> None:
    assert [(f.rule, f.severity) for f in envelope.check_action("Foo", APPLY, soap_operations())] == [
        ("SOAP-ACTION-UNKNOWN", "warning")]
    assert envelope.check_action('"SynApplyInfo"', APPLY, soap_operations()) == []
