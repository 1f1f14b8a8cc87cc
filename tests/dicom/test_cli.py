"""`imgcloud serve` starts the DICOM SCPs beside HTTP; `imgcloud dicom …` reaches them."""
from __future__ import annotations

import json

import httpx
import yaml
from typer.testing import CliRunner

from sim.cli import app
from tests.servers import free_port, serve

runner = CliRunner()


def test_serve_starts_the_scps_and_the_dicom_helpers_reach_them(tmp_path):
    pacs, gateway, archive = free_port(), free_port(), free_port()
    config = tmp_path / "dicom.yaml"
    config.write_text(yaml.safe_dump({"parties": {
        "hospital": {"port": pacs, "move_destinations": {"GATEWAY_STORE": {"host": "127.0.0.1", "port": gateway}}},
        "gateway": {"port": gateway},
        "regional_platform": {"port": archive},
    }}))
    home = tmp_path / "home"
    with serve(home, "--config", str(config), "--empty") as (base, banner):  # --empty: one study, the one uploaded
        assert f":{pacs}" in banner and "HOSP_PACS" in banner
        http = httpx.Client(base_url=base, timeout=300)
        http.post("/_sandbox/actions/hospital-upload", json={"hospital": "H51080200011", "count": 1, "seed": 17})
        env = {"IMGCLOUD_HOME": str(home)}
        echo = runner.invoke(app, ["dicom", "echo", "--port", str(pacs)], env=env)
        assert echo.exit_code == 0, echo.output
        found = runner.invoke(app, ["dicom", "find", "--port", str(pacs), "-k", "PatientID=*", "-k", "StudyInstanceUID=",
                                     "--json"], env=env)
        assert found.exit_code == 0, found.output
        matches = json.loads(found.stdout)["matches"]
        assert len(matches) == 1
        refused = runner.invoke(app, ["dicom", "echo", "--port", str(pacs), "--aet", "STRANGER"], env=env)
        assert refused.exit_code != 0
        creds = json.loads(runner.invoke(app, ["credentials", "--json", "--config", str(config)], env=env).stdout)
        assert "PORTAL" in json.dumps(creds["hospital"])
        http.close()
