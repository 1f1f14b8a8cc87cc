"""The regional platform's DICOM archive driven by exam/push (seeds/004 §3.2.3.2; INTERFACES.md §5),
with DCMTK's storescu: refused before the push, accepted after it, refused when the PatientID
disagrees; a scanned request form (series 0) accepted; Q/R mode pulls a pushed study from the
hospital's DICOM gateway.  Real sockets on free ports; the REST calls in-process."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from starlette.testclient import TestClient

from reference.app import start_dicom
from reference.config import load_config
from reference.sandbox import Sandbox
from sim.actors.hospital import keep_in_pacs
from sim.localnet import with_free_dicom_ports
from sim.server import create_app
from sim.synth import make_study
from sim.synth.request_form import make_request_form
from tests.dicom.helpers import dcmtk
from tests.regional.helpers import exam, push, push_body, token

pytestmark = pytest.mark.skipif(shutil.which("storescu") is None, reason="DCMTK is not installed")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("archive")
    # callbacks to the HIS go nowhere (port 9 refuses): this test is about the archive
    config = with_free_dicom_ports(load_config(None, home=str(home), listen={"public_url": "http://127.0.0.1:9"}))
    sandbox = Sandbox.open(config)
    scps = {s.party: s for s in start_dicom(sandbox)}
    client = TestClient(create_app(sandbox=sandbox))
    try:
        yield {"sandbox": sandbox, "client": client, "config": config, "archive": scps["regional_platform"], "tmp": home,
               "token": token(client, config)}
    finally:
        client.close()
        for scp in scps.values():
            scp.stop()
        sandbox.close()


def _storescu(env: dict[str, Any], path: Path) -> str:
    done = dcmtk("storescu", "-v", "-aet", "HOSP_PACS", "-aec", "CLOUD_ARCHIVE", "127.0.0.1", str(env["archive"].port), str(path))
    return done.stderr + done.stdout


def _write(env: dict[str, Any], name: str, data: bytes, **changes: str) -> Path:
    path = env["tmp"] / name
    if changes:
        ds = dcmread(BytesIO(data))
        for keyword, value in changes.items():
            setattr(ds, keyword, value)
        ds.save_as(path, enforce_file_format=True)
    else:
        path.write_bytes(data)
    return path


def test_storescu_refused_before_the_push_accepted_after_refused_on_patient_id(env):
    r = exam(env["config"], 10)
    first = make_study(r.exam, seed=4646, instances_per_series=1)[0]
    path = _write(env, "first.dcm", first.data)
    before = _storescu(env, path)
    assert "Store Response (Success)" not in before and "Status: 0x124" in before, before
    reply = push(env["client"], env["config"], push_body(r), env["token"])
    assert reply["status"] == 0, reply
    after = _storescu(env, path)
    assert "Store Response (Success)" in after, after
    wrong = _storescu(env, _write(env, "wrong.dcm", first.data, PatientID="NOT-THE-PUSHED-ONE"))
    assert "Store Response (Success)" not in wrong, wrong
    form = _storescu(env, _write(env, "form.dcm", make_request_form(r.exam, seed=1, apply_no=r.apply_no).data))
    assert "Store Response (Success)" in form, form
    sandbox = env["sandbox"]
    sandbox.exchanges.flush()
    stored = sandbox.exchanges.query(family="regional-archive", operation="C-STORE", limit=20)
    by_rule = {f["rule"]: (x["status"], f) for x in stored for f in x["findings"]}
    assert by_rule["DICOM-ARCHIVE-NOT-REGISTERED"][0] == 0x0124
    status, finding = by_rule["DICOM-ARCHIVE-ID-MISMATCH"]
    assert status == 0xA900 and "PatientID" in finding["zh"] and "NOT-THE-PUSHED-ONE" in finding["en"]
    state = env["client"].get(f"/_sandbox/state/regional/exams/0011/{r.exam_no}").json()
    assert sorted(a["seriesNumber"] for a in state["archived"]) == [0, 1]
    assert {a["studyUID"] for a in state["archived"]} == {r.exam.study_uid}


def test_qr_mode_pulls_a_pushed_study_from_the_hospital_gateway(env):
    r = exam(env["config"], 11)
    instances = make_study(r.exam, seed=4646, instances_per_series=2)
    keep_in_pacs(env["sandbox"], r.exam, instances, "H51080200011")
    refused = env["client"].post("/_sandbox/actions/regional-pull", json={"studyUID": r.exam.study_uid}).json()
    assert refused["archived"] == 0 and refused["counts"].get("NumberOfFailedSuboperations") == len(instances)
    assert push(env["client"], env["config"], push_body(r), env["token"])["status"] == 0
    pulled = env["client"].post("/_sandbox/actions/regional-pull", json={"studyUID": r.exam.study_uid}).json()
    assert pulled["ok"] and pulled["archived"] == len(instances), pulled
