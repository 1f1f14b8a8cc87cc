"""The gateway's collector pulls a 100-instance study from our hospital PACS SCP by C-MOVE and
by WADO-URI, complete and identical (seeds/001 §4.2); the imaging centre resolves a
``dicom://`` reference by C-GET (INTERFACES.md §2).  One live sandbox (HTTP + SCPs) for the module."""
from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from reference.families.gateway.collector import collect_by_move, collect_by_wado, wado_links
from reference.app import start_dicom
from reference.sandbox import Sandbox
from reference.national.request import envelope
from sim.scenario.server import running_sandbox, with_public_url
from tests.dicom.helpers import HOSPITAL, dicom_config, same_dataset, study_in_pacs
from tests.flow_helpers import centre_state, upload, wait_for

pytestmark = pytest.mark.skipif(shutil.which("echoscu") is None, reason="DCMTK is not installed")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    config = dicom_config(tmp_path_factory.mktemp("collector") / "home")
    with running_sandbox(config) as base, httpx.Client(base_url=base, timeout=120) as http:
        sandbox = Sandbox.open(with_public_url(config, base))
        scps = start_dicom(sandbox)
        try:
            exam, instances = study_in_pacs(sandbox, "MR", 25)  # 4 series x 25 = 100 instances
            yield {"sandbox": sandbox, "http": http, "base": base, "exam": exam, "instances": instances,
                   "pacs": next(s for s in scps if s.party == "hospital")}
        finally:
            for scp in scps:
                scp.stop()
            sandbox.close()


def _identical(collected: dict[str, bytes], instances: list[Any]) -> None:
    assert len(instances) == 100 and set(collected) == {i.sop_instance_uid for i in instances}
    for inst in instances:
        assert same_dataset(collected[inst.sop_instance_uid], inst.data)


def test_collect_by_c_move(live):
    study = live["instances"][0].study_uid
    collected = collect_by_move(live["sandbox"], study)
    assert collected.ok, [f.en for f in collected.findings]
    _identical(collected.files, live["instances"])
    log = live["sandbox"].exchanges
    out = log.query(operation="C-MOVE", direction="outbound")[0]
    assert out["institution"] == "PORTAL" and out["response"]["NumberOfCompletedSuboperations"] == 100
    stores = log.query(family="gateway-store", operation="C-STORE", limit=200)
    assert len([s for s in stores if s["request"]["StudyInstanceUID"] == study]) == 100


def test_collect_by_wado_uri(live):
    study = live["instances"][0].study_uid
    links = wado_links(live["sandbox"], study, base=live["base"], hospital=HOSPITAL)
    assert len(links) == 100 and "requestType=WADO" in links[0]
    collected = collect_by_wado(live["sandbox"], study, links)
    assert collected.ok, [f.en for f in collected.findings]
    _identical(collected.files, live["instances"])


def test_imaging_centre_resolves_a_dicom_reference(live):
    http, sandbox = live["http"], live["sandbox"]
    exam = upload(http, 1, seed=303, dicomForm="file")[0]
    state = centre_state(http, exam["hiImgIndx"])
    study = exam["studyUid"]
    pacs = live["pacs"]
    row = {**copy.deepcopy(state["row"]), "imgInfoDcm": f"dicom://{pacs.ae_title}@127.0.0.1:{pacs.port}?StudyInstanceUID={study}"}
    config = sandbox.config
    body = envelope(config, config.institution(HOSPITAL), "saveExamRpotImgInfo", [row], now=datetime.now(), node="data")
    reply = http.post("/mie/api/mie/saveExamRpotImgInfo", json=body).json()
    assert reply["code"] == 0 and reply["data"][0]["succFlag"] in ("0", "1"), reply
    def c_gets() -> dict[str, Any]:  # the HTTP sandbox's log writer is another thread: poll
        return {"gets": [x for x in sandbox.exchanges.query(operation="C-GET", limit=50)
                         if x["request"].get("StudyInstanceUID") == study]}

    gets = wait_for(c_gets, lambda s: len(s["gets"]) >= 2, timeout=30)["gets"]
    outbound = [x for x in gets if x["direction"] == "outbound"]
    inbound = [x for x in gets if x["direction"] == "inbound"]
    assert outbound and outbound[0]["institution"] == "IMG_CENTRE" and outbound[0]["status"] == 0
    assert inbound and inbound[0]["response"]["NumberOfCompletedSuboperations"] == outbound[0]["response"]["files"] > 0
    bad = {**row, "imgInfoDcm": f"dicom://{pacs.ae_title}@127.0.0.1:{pacs.port}?StudyInstanceUID=1.2.3.4"}
    body = envelope(config, config.institution(HOSPITAL), "saveExamRpotImgInfo", [bad], now=datetime.now(), node="data")
    reply = http.post("/mie/api/mie/saveExamRpotImgInfo", json=body).json()
    assert reply["data"][0]["succFlag"] == "-1" and "[CENTRE-DICOM-NETWORK]" in reply["data"][0]["message"]
