"""The shipped flow-C scenarios (seeds/003; INTERFACES.md §3 and flow C), run as users run
them, against one sandbox: flow C end to end, then every documented code, then both again
(a second run the same day still passes: tokens, the lock and the daily limit hold)."""
from __future__ import annotations

from pathlib import Path

import httpx

from reference.config import load_config
from sim.scenario import Targets, run_scenario
from sim.scenario.server import running_sandbox

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
CODES = {400, 403, 404, 409, 504, 11001, 11003, 11004}


def _summary(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f"{s.result:5} {s.id}: {'; '.join(s.messages)}" for s in result.steps)


def test_flow_c_and_every_code_against_one_sandbox(tmp_path):
    config = load_config(None, home=str(tmp_path))
    with running_sandbox(config) as url:
        for storage in (True, False):  # with the callers recorded outbound, then as with --target
            for name in ("flow-c-province.yaml", "province-cloud-error-codes.yaml"):
                result = run_scenario(SCENARIOS / name, Targets(config, url, storage=storage))
                assert result.result == "pass", f"{name} (storage={storage}):\n{_summary(result)}"
        with httpx.Client(timeout=30) as http:
            seen = http.get(f"{url}/_sandbox/exchanges", params={"family": "province-cloud", "limit": 1000}).json()
    inbound = [e for e in seen if e["direction"] == "inbound"]
    outbound = {e["operation"] for e in seen if e["direction"] == "outbound"}
    # every operation of flow C was called, and recorded by the caller too
    flow = {"getToken", "savePatientExam", "uploadDicom", "saveExamPdf", "projectContrast", "getdigitalImageUrl",
            "queryFormerlyExam", "queryExamPdfData", "saveReminderCallRecord", "saveRecognExamRecord"}
    assert flow <= {e["operation"] for e in inbound}
    assert flow <= outbound
    # every documented code was answered (the codes' rules are in the inbound findings)
    rules = {f["rule"] for e in inbound for f in e.get("findings") or []}
    assert {"PCLOUD-TOKEN-MISSING", "PCLOUD-TOKEN-UNKNOWN", "PCLOUD-NO-DATA", "PCLOUD-PROJECT-NOT-UPLOADED",
            "PCLOUD-PROJECT-NOT-MAPPED", "PCLOUD-FOREIGN-EXAM", "PCLOUD-AUTH-SECRET", "PCLOUD-AUTH-LOCKED",
            "PCLOUD-AUTH-DAILY-LIMIT", "PCLOUD-SM2-PLAINTEXT", "PCLOUD-SM2-C1C2C3", "SCHEMA-ENUM"} <= rules, rules
