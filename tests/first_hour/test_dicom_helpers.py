"""``imgcloud dicom`` helpers that teach (issue 14): echo tells a closed port, a rejected association
(with its reason) and success apart; find asks for the usual keys of its level and refuses a level
whose parents are missing; get shows its progress and ends with a summary."""
from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from sim.cli import app
from tests.servers import free_port

runner = CliRunner()


def dicom(world, *args: str):
    port = re.search(r"hospital SCP HOSP_PACS at [\d.]+:(\d+)", world.banner).group(1)  # type: ignore[union-attr]
    args = tuple(a.replace("{pacs}", port) for a in args)
    return runner.invoke(app, ["dicom", *args], env={"IMGCLOUD_HOME": str(world.home), "COLUMNS": "100"})


def test_echo_tells_refused_rejected_and_success_apart(world):
    ok = dicom(world, "echo", "--port", "{pacs}")
    assert ok.exit_code == 0 and re.search(r"C-ECHO PORTAL → HOSP_PACS@127.0.0.1:\d+: 0x0000 success", ok.output), ok.output
    closed = free_port()
    refused = dicom(world, "echo", "--port", str(closed))
    assert refused.exit_code == 1
    assert f"unreachable: HOSP_PACS@127.0.0.1:{closed} — connection refused: nothing listens" in refused.output
    rejected = dicom(world, "echo", "--port", "{pacs}", "--aet", "STRANGER")
    assert rejected.exit_code == 1
    assert "rejected" in rejected.output and "Calling AE title not recognised" in rejected.output
    assert "'STRANGER'" in rejected.output
    as_json = json.loads(dicom(world, "echo", "--port", "{pacs}", "--aet", "STRANGER", "--json").stdout)
    assert as_json["association"] == "rejected" and "Calling AE title not recognised" in as_json["reason"]


def test_find_asks_for_the_usual_keys_of_the_level(world):
    found = json.loads(dicom(world, "find", "--port", "{pacs}", "--json").stdout)
    assert len(found["matches"]) >= 9
    for match in found["matches"]:
        assert match["StudyInstanceUID"] and match["PatientID"] and match["AccessionNumber"] and match["ModalitiesInStudy"]
    study = found["matches"][0]["StudyInstanceUID"]
    series = json.loads(dicom(world, "find", "--port", "{pacs}", "--level", "series", "-k", f"StudyInstanceUID={study}",
                              "--json").stdout)["matches"]
    assert series and all(s["SeriesInstanceUID"] and s["Modality"] for s in series)
    missing = dicom(world, "find", "--port", "{pacs}", "--level", "SERIES")
    assert missing.exit_code == 2 and "StudyInstanceUID" in missing.output
    unknown = dicom(world, "find", "--port", "{pacs}", "-k", "PatientNmae=*")
    assert unknown.exit_code == 2 and "not a DICOM keyword" in unknown.output


def test_get_shows_progress_and_a_summary(world, tmp_path):
    study = json.loads(dicom(world, "find", "--port", "{pacs}", "-k", "ModalitiesInStudy=MG", "--json").stdout)["matches"][0]
    got = dicom(world, "get", "--port", "{pacs}", "-k", f"StudyInstanceUID={study['StudyInstanceUID']}", "--out",
                str(tmp_path))
    assert got.exit_code == 0, got.output
    files = list(tmp_path.glob("*.dcm"))
    count = int(study["NumberOfStudyRelatedInstances"])
    assert len(files) == count
    assert re.search(rf"C-GET: {count} completed, 0 failed, 0 with warnings in [\d.]+ s; {count} files \([\d.]+ MB\) in ",
                     got.stdout), got.stdout
    nothing = dicom(world, "get", "--port", "{pacs}")
    assert nothing.exit_code == 2 and "StudyInstanceUID" in nothing.output
