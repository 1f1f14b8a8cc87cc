"""``uids.set_uid``: pynetdicom's answers, errors and warnings for every value; a value that passed
every check is remembered, nothing else is."""
from __future__ import annotations

import logging

import pytest
from pynetdicom import _config, utils
from pynetdicom import dimse_primitives as prim

from reference.transports.dicom import patches, uids

VALUES = ["1.2.840.10008.5.1.4.1.1.2", "1.2.3.45", "1.2.3 ", "", None, b"1.2.3.4", "1.2.03", "x" * 65, "1..2",
          "1.2.a", 5]


def _outcome(fn, value):
    try:
        return "ok", fn(value, "Test UID")
    except (ValueError, TypeError) as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom warns of an invalid UI as well as logging it
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_same_answers_as_pynetdicom_the_first_and_every_later_time(value, caplog):
    caplog.set_level(logging.WARNING, logger="pynetdicom")
    expected = _outcome(uids._pynetdicom_set_uid, value)
    warned = [r.getMessage() for r in caplog.records]
    for _ in range(3):
        caplog.clear()
        assert _outcome(uids.set_uid, value) == expected
        assert [r.getMessage() for r in caplog.records] == warned  # a warning is given every time


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_only_values_that_passed_every_check_are_remembered(monkeypatch):
    monkeypatch.setattr(uids, "_known", {})
    for value in VALUES:
        _outcome(uids.set_uid, value)
    assert set(uids._known) == {"1.2.840.10008.5.1.4.1.1.2", "1.2.3.45"}
    first = uids.set_uid("1.2.3.45", "x")
    assert uids.set_uid("1.2.3.45", "x") is first


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_change_of_the_rules_forgets(monkeypatch):
    monkeypatch.setattr(uids, "_known", {})
    uids.set_uid("1.2.03", "x")  # non-conformant: warned, not remembered
    uids.set_uid("1.2.3.45", "x")
    monkeypatch.setattr(_config, "ENFORCE_UID_CONFORMANCE", True)
    with pytest.raises(ValueError):
        uids.set_uid("1.2.03", "x")
    assert uids.set_uid("1.2.3.45", "x") == "1.2.3.45"
    monkeypatch.setattr(_config, "VALIDATORS", {**_config.VALIDATORS, "UI": lambda v: (False, "refused")})
    with pytest.raises(ValueError, match="refused"):
        uids.set_uid("1.2.3.45", "x")  # remembered under the old rules: checked again


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_installed_where_pynetdicom_uses_it():
    patches.install()
    assert utils.set_uid is uids.set_uid and prim.set_uid is uids.set_uid
    store = prim.C_STORE()
    with pytest.raises(ValueError):
        store.AffectedSOPInstanceUID = "1" * 65  # longer than 64
    store.AffectedSOPInstanceUID = "1.2.3.45"
    assert store.AffectedSOPInstanceUID == "1.2.3.45"
