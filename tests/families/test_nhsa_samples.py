"""The seed 000 sample request, with issued credentials, in lenient and strict mode.

The sample breaks its own table in many ways (see the spec's example description);
lenient mode saves it naming every item, strict mode rejects it naming the same items.
"""
from __future__ import annotations

from typing import Any

import pytest

from reference.validators.codes import make_msgid
from tests.conftest import NOW
from tests.families.nhsa_helpers import SAVE, rules_in
from tests.seed_samples import sample_requests
from tests.seeds import needs_seeds

EXPECTED = {
    ("DRIFT-DATE-FORMAT", "input[0].appyDate"),
    ("DRIFT-DATE-FORMAT", "input[0].rptDate"),
    ("DRIFT-DATE-FORMAT", "input[0].sympBegndate"),
    ("ID-BRDY-MISMATCH", "input[0].certno"),
    ("ID-AGE-MISMATCH", "input[0].certno"),
    ("USCC-CHECK-CHAR", "input[0].stogInsUscc"),
    ("HIIDX-SAMPLE-LAYOUT", "input[0].hiImgIndx"),
    ("HIIDX-EXAM-DATE", "input[0].hiImgIndx"),
    ("HIIDX-USCC", "input[0].hiImgIndx"),
    ("POSTCODE-FORMAT", "input[0].poscode"),
    ("MEDINS-LENGTH", "input[0].rpotMedinsCode"),
}


def _post_sample(make_config: Any, make_running: Any, mode: str) -> tuple[dict[str, Any], set[tuple[str, str, str]]]:
    running = make_running(make_config(validation={"mode": mode}))
    inst = running.config.institution("S51080200001")
    body = sample_requests("000")[0]
    body.update(infCode=inst.code, key=running.config.secret_for(inst), msgid=make_msgid(inst.code, NOW, 1))
    reply = running.client.post(SAVE, json=body).json()
    latest = running.client.get("/_sandbox/exchanges?limit=1&direction=inbound").json()[0]
    return reply, {(f["rule"], f["path"], f["severity"]) for f in latest["findings"]}


@needs_seeds("000")
@pytest.mark.parametrize("mode", ["lenient", "strict"])
def test_seed_sample_names_each_drift_item(make_config, make_running, mode):
    reply, findings = _post_sample(make_config, make_running, mode)
    assert reply["code"] == 0
    row = reply["data"][0]
    named = {(rule, path) for rule, path, _ in findings}
    assert EXPECTED <= named, EXPECTED - named
    severities = {severity for rule, path, severity in findings if (rule, path) in EXPECTED}
    if mode == "lenient":
        assert row["succFlag"] == "0" and severities == {"warning"}
    else:
        assert row["succFlag"] == "-1" and "error" in severities
    assert {"DRIFT-DATE-FORMAT", "ID-BRDY-MISMATCH", "HIIDX-SAMPLE-LAYOUT"} <= rules_in(row["message"])


@needs_seeds("000")
def test_same_items_in_both_modes(make_config, make_running):
    _, lenient = _post_sample(make_config, make_running, "lenient")
    _, strict = _post_sample(make_config, make_running, "strict")
    assert {(r, p) for r, p, _ in lenient} == {(r, p) for r, p, _ in strict}


def test_lenient_institution_override(make_config, make_running):
    """validation: lenient on one institution, strict for the rest (default config)."""
    running = make_running(make_config())
    assert running.config.mode_for("S51080200002") == "lenient"
    assert running.config.mode_for("S51080200001") == "strict"
