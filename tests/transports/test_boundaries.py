"""One error boundary per transport: an unexpected exception in an HTTP handler, a page or a
DICOM handler gives the transport's native reply (the family's JSON envelope, an HTML page
with a 5xx status, a DIMSE failure status) and an ``error`` exchange naming SANDBOX-INTERNAL;
a page's own refusals are HTML with a 4xx status."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset

from reference.families.hospital.pacs import pacs_catalogue
from reference.families.imaging_centre import pages
from reference.families.nhsa_index import service
from reference.transports.dicom import qr, retrieve, store
from reference.transports.dicom.client import DicomClient, Peer, study_identifier
from tests.dicom.helpers import dicom_sandbox, study_in_pacs

CENTRE = "S51080200001"


def _boom(*_: Any, **__: Any) -> Any:
    raise RuntimeError("a bug")


def _exchange(running: Any, uid: str) -> dict[str, Any]:
    return running.sandbox.exchanges.query(uid=uid)[0]


def test_http_handler_exception_is_the_family_envelope(running, monkeypatch):
    monkeypatch.setattr(service, "handle", _boom)
    r = running.client.post("/mie/api/mie/saveExamRpotImgIndx", json={"infno": "saveExamRpotImgIndx"})
    body = r.json()
    assert r.status_code == 200 and body["code"] == -1 and body["type"] == "error" and body["data"] is None
    assert body["message"].startswith("[SANDBOX-INTERNAL]") and "RuntimeError" in body["message"]
    assert "Traceback" not in r.text
    record = _exchange(running, r.headers["x-imgcloud-exchange"])
    assert record["verdict"] == "error" and [f["rule"] for f in record["findings"]] == ["SANDBOX-INTERNAL"]
    assert record["family"] == "nhsa-index" and record["operation"] == "saveExamRpotImgIndx"


def test_page_exception_is_an_html_page_with_500(running, monkeypatch):
    monkeypatch.setattr(pages, "report_page", _boom)
    r = running.client.get(f"/centre/{CENTRE}/report/ACC1")
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    assert "SANDBOX-INTERNAL" in r.text and "<html" in r.text and "Traceback" not in r.text
    record = _exchange(running, r.headers["x-imgcloud-exchange"])
    assert record["verdict"] == "error" and record["status"] == 500
    assert [f["rule"] for f in record["findings"]] == ["SANDBOX-INTERNAL"]


@pytest.mark.parametrize(("url", "rule"), [
    (f"/centre/{CENTRE}/report/NO-SUCH-EXAM", "PAGE-UNKNOWN-EXAM"),
    (f"/centre/{CENTRE}/image/NO-SUCH-EXAM/1.2.3.png", "PAGE-UNKNOWN-EXAM"),
    ("/film/?Info=1.forged", "PCLOUD-FILM-UNKNOWN"),
    ("/film/image?Info=1.forged&sop=1.2", "PCLOUD-FILM-UNKNOWN"),
])
def test_page_refusal_is_an_html_page_with_404(running, url, rule):
    r = running.client.get(url)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), r.text
    assert rule in r.text and "无法显示页面" in r.text
    assert _exchange(running, r.headers["x-imgcloud-exchange"])["verdict"] == "fail"


# -- DICOM (our client against the SCPs on free loopback ports) ---------------------------------

@pytest.fixture(scope="module")
def scps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Any]]]:
    with dicom_sandbox(tmp_path_factory.mktemp("boundary") / "home") as (sandbox, running):
        study_in_pacs(sandbox, "CT", 1)
        yield sandbox, running


def _last(sandbox: Any, operation: str) -> dict[str, Any]:
    return sandbox.exchanges.query(operation=operation, direction="inbound", limit=1)[0]


def _peer(scp: Any) -> Peer:
    return Peer(scp.ae_title, scp.host, scp.port)


def test_dicom_generator_handler_exception_is_a_failure_status(scps, monkeypatch):
    sandbox, running = scps
    monkeypatch.setattr(qr, "find", _boom)
    result = DicomClient(None, calling="PORTAL").find(_peer(running["hospital"]), study_identifier("1.2.3"))
    assert result.status is not None and 0xC000 <= result.status <= 0xCFFF  # pynetdicom's "unable to process"
    record = _last(sandbox, "C-FIND")
    assert record["verdict"] == "error" and "SANDBOX-INTERNAL" in [f["rule"] for f in record["findings"]]


def test_dicom_echo_handler_exception_is_processing_failure_not_success(scps, monkeypatch):
    sandbox, running = scps
    monkeypatch.setattr(retrieve, "STATUS", {})  # handle_echo's lookup of its status fails
    result = DicomClient(None, calling="PORTAL").echo(_peer(running["hospital"]))
    assert result.status == 0x0110
    record = _last(sandbox, "C-ECHO")
    assert record["verdict"] == "error" and record["response"]["status"] == "0x0110"


def test_dicom_store_handler_exception_is_a_failure_status(scps, monkeypatch, tmp_path: Path):
    sandbox, running = scps
    monkeypatch.setattr(store, "keep", _boom)
    with sandbox.db.session() as session:
        first = pacs_catalogue(session, {})[0]
    instance = tmp_path / "one.dcm"
    instance.write_bytes(sandbox.blobs.get(first.sha256))
    result = DicomClient(None, calling="HOSP_PACS").store(_peer(running["gateway"]), [instance])
    assert result.status is not None and 0xC000 <= result.status <= 0xCFFF
    record = _last(sandbox, "C-STORE")
    assert record["verdict"] == "error" and "SANDBOX-INTERNAL" in [f["rule"] for f in record["findings"]]


def test_dicom_normal_service_after_an_exception(scps):
    """The SCP answers the next association normally."""
    _, running = scps
    assert DicomClient(None, calling="PORTAL").echo(_peer(running["hospital"])).status == 0
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = ""
    assert DicomClient(None, calling="PORTAL").find(_peer(running["hospital"]), identifier).matches
