"""Flow A with each of imaging_centre and province_index external: a second sandbox process plays
the vendor's system, ours the other parties (issue 15's matrix).  Then each deliberately wrong:
the contract test fails naming the field at fault."""
from __future__ import annotations

from sim.contract import run_contract
from sim.localnet import free_port
from tests.matrix.servers import ours, summary, vendor

ONE = {"n": 1}  # one exam: the same checks, a faster run


def _steps(result):  # type: ignore[no-untyped-def]
    return {s.id: s for s in result.scenarios[0].steps}


def test_flow_a_with_imaging_centre_external(tmp_path):
    port = free_port()
    back = {"province_index": {"mode": "external", "base_url": f"http://127.0.0.1:{port}"}}
    with vendor(tmp_path, "centre", back) as centre:
        result = run_contract(ours(tmp_path), "imaging_centre", centre, port=port, vars=ONE)
    assert result.verdict == "pass", summary(result)
    steps = _steps(result)
    # the centre's state and its deletion are its internals: skipped, saying why (never a pass)
    for skipped in ("registered", "delete"):
        assert steps[skipped].result == "skip" and "imaging_centre" in steps[skipped].messages[0], summary(result)
    assert steps["province-dropped"].result == steps["gone"].result == "skip"  # they need the deletion
    # the rest ran: our hospital's upload, our province's index, pull and byte-identical cache, the wire
    for ran in ("upload", "indexed", "served", "pulled", "verified", "image-list", "one-image", "pages"):
        assert steps[ran].result == "pass", summary(result)
    assert steps["served"].reads == "record" and steps["registered"].reads == "internals:imaging_centre"
    judged = {(i.family, i.operation, i.direction) for i in result.interfaces}
    # its replies to our hospital and our province, its registration at our province
    assert {("imaging-centre", "saveExamRpotImgInfo", "outbound"), ("imaging-centre", "queryImgCahe", "outbound"),
            ("nhsa-index", "saveExamRpotImgIndx", "inbound")} <= judged, judged


def test_flow_a_with_province_index_external(tmp_path):
    port = free_port()
    back = {"imaging_centre": {"mode": "external", "base_url": f"http://127.0.0.1:{port}"}}
    with vendor(tmp_path, "province", back) as province:
        result = run_contract(ours(tmp_path), "province_index", province, port=port, vars=ONE)
    assert result.verdict == "pass", summary(result)
    steps = _steps(result)
    for skipped in ("indexed", "pulled", "verified", "pages", "province-dropped"):
        assert steps[skipped].result == "skip", summary(result)
    assert "province_index" in steps["indexed"].messages[0]
    for ran in ("upload", "registered", "served", "image-list", "one-image", "delete", "gone"):
        assert steps[ran].result == "pass", summary(result)
    judged = {(i.family, i.operation, i.direction) for i in result.interfaces}
    # its replies to our centre's registration and withdrawal; its pull from our centre
    assert {("nhsa-index", "saveExamRpotImgIndx", "outbound"), ("nhsa-index", "deleteExamRpotImgIndx", "outbound"),
            ("imaging-centre", "queryImgCaheFileSn", "inbound"), ("imaging-centre", "queryImgCahe", "inbound")} <= judged, judged
    assert {i.section for i in result.interfaces if i.operation.startswith("queryImgCahe")} == {"seeds/000 §1.3",
                                                                                              "seeds/000 §1.4"}


def test_a_centre_answering_a_bad_succflag_fails_naming_it(tmp_path):
    port = free_port()
    back = {"province_index": {"mode": "external", "base_url": f"http://127.0.0.1:{port}"},
            "imaging_centre": {"reply_faults": [{"operation": "saveExamRpotImgInfo", "set": {"data[*].succFlag": "2"}}]}}
    with vendor(tmp_path, "bad-centre", back) as centre:
        result = run_contract(ours(tmp_path), "imaging_centre", centre, port=port, vars=ONE)
    assert result.verdict == "fail"
    assert _steps(result)["upload"].result == "fail"
    found = {(f["rule"], f["path"]) for f in result.findings()}
    assert ("REPLY-SCHEMA", "data[0].succFlag") in found, found
    bad = next(f for f in result.findings() if f["path"] == "data[0].succFlag")
    assert "SCHEMA-ENUM" in bad["en"] and bad["source"] == "seeds/002 §二"


def test_a_province_answering_rows_without_succflag_fails_naming_it(tmp_path):
    port = free_port()
    back = {"imaging_centre": {"mode": "external", "base_url": f"http://127.0.0.1:{port}"},
            "province_index": {"reply_faults": [{"operation": "saveExamRpotImgIndx", "remove": ["data[*].succFlag"]}]}}
    with vendor(tmp_path, "bad-province", back) as province:
        result = run_contract(ours(tmp_path), "province_index", province, port=port, vars=ONE)
    assert result.verdict == "fail"
    registration = next(i for i in result.interfaces if i.operation == "saveExamRpotImgIndx")
    assert registration.result == "fail" and registration.section == "seeds/000 §1.1.2"
    found = {(f["rule"], f["path"]) for f in result.findings()}
    assert ("REPLY-SCHEMA", "data[0].succFlag") in found, found
