"""Flow B with the gateway external and with the hospital external: a second sandbox process plays
the vendor's system.  A vendor's gateway has no control API: it collects on its own schedule (the
stand-in polls every second, re-reading a month behind its cursor), and the steps that would drive or
read it (gateway-pull, its exchange log) are skipped, saying why; step ``collected`` waits on the wire
for the film to open.  Its replies to our calls are judged against the gateway's contract."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from sim.contract import run_contract
from sim.localnet import free_port
from tests.matrix.servers import ours, summary, vendor

H1, H2 = "H51080200011", "H51080200012"
#: the stand-in gateway's schedule: the generated exams were audited 2–30 days before they appear
SCHEDULE = {"poll_seconds": 1, "poll_overlap_hours": 31 * 24}


def _gateway_standin(tmp: Path, main: str, pacs_port: int, scp: int, faults: list[dict[str, Any]] | None = None
                     ) -> dict[str, Any]:
    view = f"sqlite:///{(tmp / 'main' / 'hospital.db').resolve()}"  # our hospital's view, read over SQL
    back = {"mode": "external", "base_url": main}
    return {"hospital": {**back, "host": "127.0.0.1", "port": pacs_port},
            "imaging_centre": back, "province_index": back, "province_cloud": back,
            "gateway": {"port": scp, "reply_faults": faults or [], "gateway": {**SCHEDULE, "sources": {
                H1: {"reports": "http", "images": "move", "database_url": view},
                H2: {"reports": "view", "images": "wado", "database_url": view}}}}}


def _run_against_gateway(tmp: Path, name: str, faults: list[dict[str, Any]] | None = None) -> Any:
    port, gateway_port, scp = free_port(), free_port(), free_port()
    target = f"http://127.0.0.1:{gateway_port}"
    config = ours(tmp, gateway={"mode": "external", "base_url": target, "port": scp},
                  hospital={"move_destinations": {"GATEWAY_STORE": {"port": scp}}})
    standin = _gateway_standin(tmp, f"http://127.0.0.1:{port}", config.parties["hospital"].port, scp, faults)
    with vendor(tmp, name, standin, port=gateway_port):
        return run_contract(config, "gateway", target, port=port)


def test_flow_b_with_gateway_external(tmp_path):
    result = _run_against_gateway(tmp_path, "gateway")
    assert result.verdict == "pass", summary(result)
    steps = {s.id: s for s in result.scenarios[0].steps}
    for skipped in ("pull-http", "pull-view", "pull-exam-no", "sql-exchanges", "dicom-exchanges"):
        assert steps[skipped].result == "skip", summary(result)
        assert "gateway" in steps[skipped].messages[0] and "external" in steps[skipped].messages[0]
    for ran in ("examine", "report-pull", "collected", "registered", "province-pulled", "qrurl", "film", "qrcode",
                "login", "remind", "bubble", "logout", "remind-logged-out", "delete", "index-withdrawn", "film-gone"):
        assert steps[ran].result == "pass", summary(result)
    judged = {(i.family, i.operation, i.direction): i for i in result.interfaces}
    # its replies to our calls, judged against openapi/gateway.yaml
    for operation in ("qrurl", "qrcode", "hrball", "swipingIdCardNo", "deleteImage"):
        assert judged["gateway", operation, "outbound"].result == "pass", summary(result)
    assert judged["gateway", "qrurl", "outbound"].section.startswith("seeds/001"), judged
    # its requests to us, collecting on its own: the report pull, C-MOVE, the upload to our centre
    for key in (("hospital-pacs", "getReportInfo", "inbound"), ("imaging-centre", "saveExamRpotImgInfo", "inbound")):
        assert key in judged and judged[key].result == "pass", summary(result)
    assert any(op == "C-MOVE" and d == "inbound" for _f, op, d in judged), judged


def test_a_gateway_answering_qrcode_without_data_fails_naming_it(tmp_path):
    result = _run_against_gateway(tmp_path, "bad-gateway", [{"operation": "qrcode", "remove": ["data"]}])
    assert result.verdict == "fail", summary(result)
    found = {(f["rule"], f["path"], f["source"]) for f in result.findings()}
    assert ("REPLY-SCHEMA", "data", "seeds/001 §4.3") in found, found
    assert ("REPLY-OWED-FIELD", "data", "seeds/001 §4.3") in found, found
    bad = {(i.family, i.operation) for i in result.interfaces if i.result == "fail"}
    assert bad == {("gateway", "qrcode")}, summary(result)


def _run_against_hospital(tmp: Path, name: str, faults: list[dict[str, Any]] | None = None) -> Any:
    """Our gateway (its sources: the vendor's report pull and its view), centre, province and cloud; the
    vendor's PACS holds its own test exams (the stand-in makes them before the run: step examine reads
    the hospital's internals and is skipped)."""
    port, hospital_port, pacs = free_port(), free_port(), free_port()
    target = f"http://127.0.0.1:{hospital_port}"
    view = f"sqlite:///{(tmp / f'{name}-home' / 'hospital.db').resolve()}"  # its view, read over SQL
    config = ours(tmp, hospital={"mode": "external", "base_url": target, "host": "127.0.0.1", "port": pacs},
                  gateway={"gateway": {"sources": {H1: {"reports": "http", "images": "move", "database_url": view},
                                                   H2: {"reports": "view", "images": "wado", "database_url": view}}}})
    scp = config.parties["gateway"].port
    standin = {"hospital": {"port": pacs, "reply_faults": faults or [], "move_destinations": {"GATEWAY_STORE": {"port": scp}}},
               "gateway": {"mode": "external", "base_url": f"http://127.0.0.1:{port}", "host": "127.0.0.1", "port": scp}}
    with vendor(tmp, name, standin, port=hospital_port):
        httpx.post(f"{target}/_sandbox/actions/hospital-examine", timeout=300, json={
            "hospital": H1, "count": 2, "seed": 4545, "instancesPerSeries": 1}).raise_for_status()
        return run_contract(config, "hospital", target, flows=["flow-b-gateway"], port=port)


def test_flow_b_with_hospital_external(tmp_path):
    """Our gateway pulls the vendor PACS's reports (HTTP and its view), C-MOVEs its studies, uploads."""
    result = _run_against_hospital(tmp_path, "hospital")
    assert result.verdict == "pass", summary(result)
    steps = {s.id: s for s in result.scenarios[0].steps}
    assert steps["examine"].result == "skip" and "hospital" in steps["examine"].messages[0], summary(result)
    for ran in ("reports", "report-pull", "pull-http", "pull-view", "pull-exam-no", "collected", "registered",
                "province-pulled", "qrurl", "film", "remind", "bubble", "delete", "index-withdrawn", "film-gone",
                "sql-exchanges", "dicom-exchanges"):
        assert steps[ran].result == "pass", summary(result)
    judged = {(i.family, i.operation, i.direction): i for i in result.interfaces}
    # its replies to our gateway's report pull, judged against openapi/hospital-pacs.yaml
    assert judged["hospital-pacs", "getReportInfo", "outbound"].result == "pass", summary(result)
    assert judged["hospital-pacs", "getReportInfo", "outbound"].section.startswith("seeds/001"), judged
    # our gateway's C-MOVEs to its SCP: status and sub-operations
    assert judged["dicom", "C-MOVE", "outbound"].result == "pass", summary(result)


def test_a_pacs_answering_the_report_pull_without_its_message_fails_naming_it(tmp_path):
    result = _run_against_hospital(tmp_path, "bad-hospital", [{"operation": "getReportInfo", "remove": ["message"]}])
    assert result.verdict == "fail", summary(result)
    found = {(f["rule"], f["path"], f["source"]) for f in result.findings()}
    assert ("REPLY-SCHEMA", "message", "seeds/001 §4.1.2") in found, found
    bad = {(i.family, i.operation) for i in result.interfaces if i.result == "fail"}
    assert bad == {("hospital-pacs", "getReportInfo")}, summary(result)
