"""Flow D with regional_platform external: a second sandbox process plays the vendor's platform
(REST, SOAP and its DICOM archive) and calls our HIS back; the platform's internals (its
reconciliation, its stored apply forms) are not read: those steps are skipped, saying why."""
from __future__ import annotations

from sim.contract import run_contract
from sim.localnet import free_port
from tests.matrix.servers import ours, summary, vendor


def test_flow_d_with_regional_platform_external(tmp_path):
    port, platform_port, archive = free_port(), free_port(), free_port()
    platform = f"http://127.0.0.1:{platform_port}"
    back = {"hospital": {"mode": "external", "base_url": f"http://127.0.0.1:{port}"}, "regional_platform": {"port": archive}}
    config = ours(tmp_path, regional_platform={"mode": "external", "base_url": platform, "host": "127.0.0.1",
                                               "port": archive})
    with vendor(tmp_path, "platform", back, port=platform_port):
        result = run_contract(config, "regional_platform", platform, port=port)
    assert result.verdict == "pass", summary(result)
    steps = {s.id: s for s in result.scenarios[0].steps}
    for skipped in ("reconcile", "cross-check", "statistics-page"):
        assert steps[skipped].result == "skip", summary(result)
    assert "regional_platform" in steps["reconcile"].messages[0] and "external" in steps["reconcile"].messages[0]
    for ran in ("apply", "token", "push", "store", "callbacks", "statistics", "report-page", "delete-after-exam"):
        assert steps[ran].result == "pass", summary(result)
    judged = {(i.family, i.operation, i.direction): i for i in result.interfaces}
    assert ("regional-archive", "examPush", "outbound") in judged, judged
    assert judged["regional-archive", "examPush", "outbound"].section == "seeds/004 §3.2.3.1"
    # our PACS's C-STOREs to its archive: status and sub-operations on our record (a refusal of the
    # wrong patient is for the step to judge)
    assert judged["dicom", "C-STORE", "outbound"].result == "pass", summary(result)
    # its callbacks to our HIS were judged by our HIS
    assert ("his-status", "SynStatusInfo", "inbound") in judged, judged


def test_a_platform_answering_without_its_token_fails_naming_it(tmp_path):
    port, platform_port, archive = free_port(), free_port(), free_port()
    platform = f"http://127.0.0.1:{platform_port}"
    back = {"hospital": {"mode": "external", "base_url": f"http://127.0.0.1:{port}"},
            "regional_platform": {"port": archive, "reply_faults": [{"operation": "authGetToken", "remove": ["result.token"]}]}}
    config = ours(tmp_path, regional_platform={"mode": "external", "base_url": platform, "host": "127.0.0.1",
                                               "port": archive})
    with vendor(tmp_path, "bad-platform", back, port=platform_port):
        result = run_contract(config, "regional_platform", platform, port=port)
    assert result.verdict == "fail"
    found = {(f["rule"], f["path"], f["source"]) for f in result.findings()}
    assert ("REPLY-OWED-FIELD", "result.token", "seeds/004 §3.2.2.5") in found, found
