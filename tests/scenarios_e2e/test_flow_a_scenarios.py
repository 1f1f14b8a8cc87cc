"""The shipped flow-A scenarios, run as users run them: on the default config, and with
``imaging_centre: external`` pointing at a second sandbox process (a contract test of a
centre over real HTTP)."""
from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from reference.config import load_config
from sim.scenario import Targets, run_scenario
from sim.scenario.server import running_sandbox
from tests.matrix.servers import dicom_ports
from tests.servers import free_port, serve

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _summary(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f"{s.result:5} {s.id}: {'; '.join(s.messages)}" for s in result.steps)


def test_flow_a_on_the_default_config(tmp_path):
    config = load_config(None, home=str(tmp_path))
    with running_sandbox(config) as url:
        for name in ("flow-a-national.yaml", "imaging-centre-bad-input.yaml"):
            result = run_scenario(SCENARIOS / name, Targets(config, url))
            assert result.result == "pass", _summary(result)


def test_flow_a_against_an_external_centre(tmp_path):
    """Our hospital and province; the centre is another sandbox process, reached over HTTP."""
    centre_port = free_port()
    centre_url = f"http://127.0.0.1:{centre_port}"
    config = load_config(None, home=str(tmp_path / "main"),
                         parties={"imaging_centre": {"mode": "external", "base_url": centre_url}})
    with running_sandbox(config) as main_url:
        centre_config = tmp_path / "centre.yaml"
        centre_config.write_text(yaml.safe_dump({"parties": {**dicom_ports(),  # its SCPs on free ports
                                                             "province_index": {"mode": "external", "base_url": main_url}}}))
        with serve(tmp_path / "centre-home", "--config", str(centre_config), port=centre_port):
            result = run_scenario(SCENARIOS / "flow-a-national.yaml", Targets(config, main_url))
            assert result.result == "pass", _summary(result)
            with httpx.Client(timeout=30) as http:
                here = http.get(f"{main_url}/_sandbox/exchanges", params={"limit": 1000}).json()
                there = http.get(f"{centre_url}/_sandbox/exchanges", params={"limit": 1000}).json()
    # this sandbox played the hospital (its upload went out) and the province (the pulls went out)
    outbound_here = {e["operation"] for e in here if e["direction"] == "outbound"}
    assert {"saveExamRpotImgInfo", "queryImgCaheFileSn", "queryImgCahe"} <= outbound_here
    assert all(e["url"].startswith(centre_url) for e in here if e["operation"] in ("queryImgCahe", "saveExamRpotImgInfo"))
    # the other one received the upload and served the images
    inbound_there = {e["operation"] for e in there if e["direction"] == "inbound"}
    assert {"saveExamRpotImgInfo", "queryImgCaheFileSn", "queryImgCahe"} <= inbound_there
    assert not any(e["operation"] == "saveExamRpotImgInfo" and e["direction"] == "inbound" for e in here)
