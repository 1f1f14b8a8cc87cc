"""Flow C with province_cloud external: a second sandbox process plays the vendor's provincial
cloud; ours plays the hospital, the city platform and the doctor (issue 15's matrix).  Then the
same cloud answering getToken without its token: the contract test fails naming datas.token."""
from __future__ import annotations

from sim.contract import run_contract
from sim.localnet import free_port
from tests.matrix.servers import cloud_key, ours, summary, vendor


def test_flow_c_with_province_cloud_external(tmp_path):
    with vendor(tmp_path, "cloud") as cloud:
        config = ours(tmp_path, province_cloud={"public_key": cloud_key()})
        result = run_contract(config, "province_cloud", cloud, port=free_port())
    assert result.verdict == "pass", summary(result)
    steps = {s.id: s for s in result.scenarios[0].steps}
    # the key is the cloud's internals: skipped, saying why; our record of the decision is read
    assert steps["public-key"].result == "skip" and "province_cloud" in steps["public-key"].messages[0]
    assert "external" in steps["public-key"].messages[0]
    assert steps["recorded"].result == "pass" and steps["recorded"].reads == "record"
    assert all(s.result == "pass" for s in steps.values() if s.id != "public-key")
    # every operation of the cloud was judged on our callers' record of it
    judged = {(i.operation, i.direction): i for i in result.interfaces}
    standard = ("getToken", "savePatientExam", "uploadDicom", "saveExamPdf", "projectContrast", "getdigitalImageUrl",
                "queryFormerlyExam", "queryExamPdfData", "saveReminderCallRecord", "saveRecognExamRecord")
    assert {(op, "outbound") for op in standard} <= set(judged)
    assert all(judged[op, "outbound"].section.startswith("seeds/003 ") for op in standard)


def test_a_cloud_without_its_token_fails_naming_the_field(tmp_path):
    faults = [{"operation": "getToken", "remove": ["datas.token"]}]
    with vendor(tmp_path, "bad-cloud", {"province_cloud": {"reply_faults": faults}}) as cloud:
        config = ours(tmp_path, province_cloud={"public_key": cloud_key()})
        result = run_contract(config, "province_cloud", cloud, port=free_port())
    assert result.verdict == "fail"
    token = next(i for i in result.interfaces if i.operation == "getToken")
    assert token.result == "fail"
    found = {(f["rule"], f["path"], f["source"]) for f in result.findings()}
    assert ("REPLY-OWED-FIELD", "datas.token", "seeds/003 权限鉴定接口") in found, found
