"""The shipped flow-B scenarios, run as users run them: on the default config, with
``gateway: external`` (a second sandbox process plays the vendor's gateway: it reads our hospital's
view over SQL, C-MOVEs from our PACS into its own storage SCP, uploads to our centre), and with
``hospital: external`` (a second sandbox process plays the vendor's PACS: our gateway pulls its
reports over HTTP and from its view, C-MOVEs from its SCP).  DICOM SCPs on free ports."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

from reference.config import load_config
from sim.localnet import dicom_config, free_port, with_free_dicom_ports
from sim.scenario import Targets, run_scenario
from sim.scenario.server import running_sandbox
from tests.servers import serve

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _summary(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f"{s.result:5} {s.id}: {'; '.join(s.messages)}" for s in result.steps)


def _log(url: str, **query: Any) -> list[dict[str, Any]]:
    return httpx.get(f"{url}/_sandbox/exchanges", params={"limit": 1000, **query}, timeout=30).json()


def test_flow_b_on_the_default_config(tmp_path):
    config = with_free_dicom_ports(load_config(None, home=str(tmp_path)))
    with running_sandbox(config, dicom=True) as url:
        for name in ("flow-b-gateway.yaml", "gateway-bad-input.yaml"):
            result = run_scenario(SCENARIOS / name, Targets(config, url))
            assert result.result == "pass", _summary(result)


def test_flow_b_against_an_external_gateway(tmp_path):
    """Our hospital, centre, province and cloud; the gateway is another sandbox process, collecting on
    its own schedule (every second, re-reading a month: the generated exams were audited 2–30 days ago)."""
    gateway_url = f"http://127.0.0.1:{free_port()}"
    main = dicom_config(tmp_path / "main", gateway={"mode": "external", "base_url": gateway_url})
    gateway_scp = main.parties["gateway"].port  # where our PACS sends the C-MOVEs: the vendor gateway's SCP
    with running_sandbox(main, dicom=True) as main_url:
        pacs = main.parties["hospital"]
        view = f"sqlite:///{(tmp_path / 'main' / 'hospital.db').resolve()}"
        vendor = tmp_path / "gateway.yaml"
        vendor.write_text(yaml.safe_dump({"parties": {
            "hospital": {"mode": "external", "base_url": main_url, "host": "127.0.0.1", "port": pacs.port},
            "imaging_centre": {"mode": "external", "base_url": main_url},
            "province_index": {"mode": "external", "base_url": main_url},
            "province_cloud": {"mode": "external", "base_url": main_url},
            "regional_platform": {"port": free_port()},
            "gateway": {"port": gateway_scp, "gateway": {"poll_seconds": 1, "poll_overlap_hours": 744, "sources": {
                "H51080200011": {"reports": "http", "images": "move", "database_url": view},
                "H51080200012": {"reports": "view", "images": "wado", "database_url": view}}}},
        }}), encoding="utf-8")
        with serve(tmp_path / "gateway-home", "--config", str(vendor), port=int(gateway_url.rsplit(":", 1)[1])):
            result = run_scenario(SCENARIOS / "flow-b-gateway.yaml", Targets(main, main_url))
            assert result.result == "pass", _summary(result)
            here, there = _log(main_url), _log(gateway_url)
    # the other process was the gateway: it read our view, moved our studies, uploaded, asked our index
    outbound = {(e["transport"], e["operation"]) for e in there if e["direction"] == "outbound"}
    assert {("sql", "View_Pacs_Text_Info"), ("http", "getReportInfo"), ("dicom", "C-MOVE"), ("http", "saveExamRpotImgInfo"),
            ("http", "provincePatientIndexes"), ("http", "centreDelete")} <= outbound
    assert any(e["operation"] == "C-STORE" and e["family"] == "gateway-store" for e in there)
    # we served the hospital and the centre to it
    inbound = {e["operation"] for e in here if e["direction"] == "inbound"}
    assert {"getReportInfo", "C-MOVE", "saveExamRpotImgInfo"} <= inbound
    assert not any(e["operation"] in ("qrurl", "hrball") for e in here)


def test_flow_b_against_an_external_hospital(tmp_path):
    """Our gateway, centre, province and cloud; the hospital PACS is another sandbox process."""
    hospital_url, pacs_port = f"http://127.0.0.1:{free_port()}", free_port()
    gateway_scp = free_port()
    view = f"sqlite:///{(tmp_path / 'hospital-home' / 'hospital.db').resolve()}"
    main = dicom_config(tmp_path / "main", gateway={"port": gateway_scp, "gateway": {"sources": {
        "H51080200011": {"reports": "http", "images": "move", "database_url": view},
        "H51080200012": {"reports": "view", "images": "wado", "database_url": view}}}},
        hospital={"mode": "external", "base_url": hospital_url, "host": "127.0.0.1", "port": pacs_port})
    vendor = tmp_path / "hospital.yaml"
    vendor.write_text(yaml.safe_dump({"parties": {
        "hospital": {"port": pacs_port, "move_destinations": {"GATEWAY_STORE": {"port": gateway_scp},
                                                              "CLOUD_ARCHIVE": {"port": free_port()}}},
        "gateway": {"mode": "external", "base_url": "http://127.0.0.1:1", "host": "127.0.0.1", "port": gateway_scp},
        "regional_platform": {"port": free_port()},
    }}), encoding="utf-8")
    with serve(tmp_path / "hospital-home", "--config", str(vendor), port=int(hospital_url.rsplit(":", 1)[1])), \
            running_sandbox(main, dicom=True) as main_url:
        # the vendor's PACS holds its test exams (a sandbox makes them; a vendor has its own): step
        # examine reads the hospital's internals and is skipped
        httpx.post(f"{hospital_url}/_sandbox/actions/hospital-examine", timeout=300, json={
            "hospital": "H51080200011", "count": 2, "seed": 4545, "instancesPerSeries": 1}).raise_for_status()
        result = run_scenario(SCENARIOS / "flow-b-gateway.yaml", Targets(main, main_url))
        assert result.result == "pass", _summary(result)
        assert next(s for s in result.steps if s.id == "examine").result == "skip"
        here, there = _log(main_url), _log(hospital_url)
    assert {e["operation"] for e in there if e["direction"] == "inbound"} >= {"getReportInfo", "C-MOVE"}
    assert any(e["operation"] == "C-MOVE" and e["family"] == "hospital-pacs" for e in there)
    outbound = {(e["transport"], e["operation"]) for e in here if e["direction"] == "outbound"}
    assert {("sql", "View_Pacs_Text_Info"), ("http", "getReportInfo"), ("dicom", "C-MOVE")} <= outbound
    pulls = [e for e in here if e["operation"] == "getReportInfo" and e["direction"] == "outbound"]
    assert pulls and all(e["url"].startswith(hospital_url) for e in pulls)
