"""The flow-D scenario (seeds/004; INTERFACES.md §5 and flow D) as users run it: on the default
config, then with each party external — the regional platform in a second sandbox process, then
the hospital (its HIS and DICOM gateway) and the primary-care platform in another — and every
exchange (HTTP, SOAP, DICOM) in the exchange log of the sandbox that saw it, with its findings."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from reference.config import load_config
from sim.localnet import with_free_dicom_ports
from sim.scenario import Targets, run_scenario
from sim.scenario.server import running_sandbox
from tests.servers import free_port, serve

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "flow-d-regional.yaml"


def _summary(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f"{s.result:5} {s.id}: {'; '.join(s.messages)}" for s in result.steps)


def _log(url: str) -> list[dict[str, Any]]:
    with httpx.Client(timeout=30) as http:
        return list(http.get(f"{url}/_sandbox/exchanges", params={"limit": 1000}).json())


def _seen(log: list[dict[str, Any]], direction: str, transport: str, operation: str) -> list[dict[str, Any]]:
    return [e for e in log if (e["direction"], e["transport"], e["operation"]) == (direction, transport, operation)]


def test_flow_d_on_the_default_config(tmp_path):
    config = with_free_dicom_ports(load_config(None, home=str(tmp_path)))
    with running_sandbox(config, dicom=True) as url:
        result = run_scenario(SCENARIO, Targets(config, url, storage=True))
        assert result.result == "pass", _summary(result)
        log = _log(url)
    assert {"http", "soap", "dicom"} <= {e["transport"] for e in log}
    assert all(isinstance(e["findings"], list) for e in log)
    applies = _seen(log, "inbound", "soap", "SynApplyInfo")
    assert {"pass", "warn", "fail"} >= {e["verdict"] for e in applies} and any(e["verdict"] == "fail" for e in applies)
    callbacks = _seen(log, "outbound", "soap", "SynStatusInfo")
    assert callbacks and all(e["verdict"] == "pass" and e["family"] == "his-status" for e in callbacks)
    assert _seen(log, "inbound", "soap", "SynStatusInfo")
    stores = _seen(log, "inbound", "dicom", "C-STORE")
    assert any(e["verdict"] == "pass" for e in stores) and any(e["verdict"] == "fail" for e in stores)
    assert {"authGetToken", "examPush", "examUploadStatistics", "clinicQueryPage", "applyForm"} <= \
        {e["operation"] for e in log if e["direction"] == "inbound" and e["transport"] == "http"}


@pytest.mark.postgres
def test_flow_d_on_postgresql(tmp_path, pg_schema_url):
    config = with_free_dicom_ports(load_config(None, home=str(tmp_path), storage={"url": pg_schema_url}))
    with running_sandbox(config, dicom=True) as url:
        result = run_scenario(SCENARIO, Targets(config, url, storage=True))
    assert result.result == "pass", _summary(result)


def test_flow_d_against_an_external_platform(tmp_path):
    """Our HIS, PACS and 基卫; the regional platform is another sandbox process (REST, SOAP and its
    DICOM archive), which calls our HIS back."""
    platform_port, archive_port = free_port(), free_port()
    platform_url = f"http://127.0.0.1:{platform_port}"
    config = with_free_dicom_ports(load_config(None, home=str(tmp_path / "main"), parties={"regional_platform": {
        "mode": "external", "base_url": platform_url, "host": "127.0.0.1", "port": archive_port}}))
    with running_sandbox(config, dicom=True) as main_url:
        platform_config = tmp_path / "platform.yaml"
        platform_config.write_text(yaml.safe_dump({"parties": {
            "hospital": {"mode": "external", "base_url": main_url},
            "regional_platform": {"port": archive_port}, "gateway": {"port": free_port()}}}))
        with serve(tmp_path / "platform-home", "--config", str(platform_config), port=platform_port):
            result = run_scenario(SCENARIO, Targets(config, main_url, storage=True))
            assert result.result == "pass", _summary(result)
            there, here = _log(platform_url), _log(main_url)
    # the other process was the platform: it received the SOAP apply forms, the REST calls and the images
    assert _seen(there, "inbound", "soap", "SynApplyInfo") and _seen(there, "inbound", "http", "examPush")
    assert any(e["verdict"] == "pass" for e in _seen(there, "inbound", "dicom", "C-STORE"))
    callbacks = _seen(there, "outbound", "soap", "SynStatusInfo")
    assert callbacks and all(e["url"].startswith(main_url) for e in callbacks)
    # this one played the HIS (it received the callbacks), the PACS and the HIS callers (recorded outbound)
    assert _seen(here, "inbound", "soap", "SynStatusInfo")
    assert not _seen(here, "inbound", "soap", "SynApplyInfo")
    assert _seen(here, "outbound", "dicom", "C-STORE") and _seen(here, "outbound", "http", "examPush")


def test_flow_d_against_an_external_hospital_and_primary_care_platform(tmp_path):
    """Our platform; the hospital (its HIS serving SynStatusInfo, its DICOM gateway) and 基卫 are
    another sandbox process."""
    other_port, pacs_port = free_port(), free_port()
    other_url = f"http://127.0.0.1:{other_port}"
    config = with_free_dicom_ports(load_config(None, home=str(tmp_path / "main"), parties={
        "hospital": {"mode": "external", "base_url": other_url, "host": "127.0.0.1", "port": pacs_port},
        "jiwei": {"mode": "external", "base_url": other_url}}))
    with running_sandbox(config, dicom=True) as main_url:
        other_config = tmp_path / "hospital.yaml"
        other_config.write_text(yaml.safe_dump({"parties": {
            "regional_platform": {"mode": "external", "base_url": main_url},
            "hospital": {"port": pacs_port, "move_destinations": {
                "CLOUD_ARCHIVE": {"port": config.parties["regional_platform"].port}, "GATEWAY_STORE": {"port": free_port()}}},
            "gateway": {"port": free_port()}}}))
        with serve(tmp_path / "hospital-home", "--config", str(other_config), port=other_port):
            result = run_scenario(SCENARIO, Targets(config, main_url, storage=True))
            assert result.result == "pass", _summary(result)
            there, here = _log(other_url), _log(main_url)
    assert _seen(there, "inbound", "soap", "SynStatusInfo") and _seen(there, "inbound", "http", "applyForm")
    assert all(e["url"].startswith(other_url) for e in _seen(here, "outbound", "soap", "SynStatusInfo"))
    assert _seen(here, "inbound", "soap", "SynApplyInfo") and not _seen(here, "inbound", "http", "applyForm")
