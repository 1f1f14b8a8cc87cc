"""The hospital PACS and cloud archive SCPs against DCMTK's real tools and pynetdicom peers
(seeds/001 §4.2, seeds/004 §3.2.3.2; INTERFACES.md §4–5).  Real sockets on free loopback
ports; the SCPs start once for the module."""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import RLELossless
from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import MRImageStorage, StudyRootQueryRetrieveInformationModelGet, Verification

from reference.dicomtext import person_name
from reference.families.regional_archive.archive import register_exam
from reference.transports.dicom.client import DicomClient, Peer, study_identifier
from tests.dicom.helpers import dcmtk, dicom_sandbox, same_dataset, study_in_pacs
from tests.servers import free_port

pytestmark = pytest.mark.skipif(shutil.which("echoscu") is None, reason="DCMTK is not installed")
PER_SERIES = 2


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("dicom-scps")
    dest_port = free_port()
    received = root / "storescp"
    received.mkdir()
    storescp = subprocess.Popen(["storescp", "-aet", "DCMTK_STORE", "-od", str(received), "--sort-on-study-uid", "st",
                                 str(dest_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    extra = {"hospital": {"max_associations": 3, "move_destinations": {"DCMTK_STORE": {"port": dest_port}}}}
    try:
        with dicom_sandbox(root / "home", **extra) as (sandbox, scps):
            exam, instances = study_in_pacs(sandbox, "MR", PER_SERIES)
            yield {"sandbox": sandbox, "scps": scps, "exam": exam, "instances": instances, "root": root,
                   "received": received, "pacs": scps["hospital"], "archive": scps["regional_platform"]}
    finally:
        storescp.terminate()
        storescp.wait(timeout=10)


def _pacs(env: dict[str, Any]) -> list[str]:
    return ["127.0.0.1", str(env["pacs"].port)]


def _log(env: dict[str, Any], **query: Any) -> list[dict[str, Any]]:
    return env["sandbox"].exchanges.query(limit=500, **query)


def _idle(env: dict[str, Any]) -> None:
    """Wait until ended associations have left the SCP's list (it counts them for its limit):
    none for half a second, so connections the server has yet to accept are not missed."""
    quiet = 0
    for _ in range(400):
        quiet = 0 if [a for a in env["pacs"].ae.active_associations if a.is_acceptor] else quiet + 1
        if quiet >= 10:
            return
        time.sleep(0.05)


def _echo_ok(env: dict[str, Any]) -> None:
    r = dcmtk("echoscu", "-aet", "PORTAL", "-aec", "HOSP_PACS", *_pacs(env))
    assert r.returncode == 0, r.stderr


def test_echoscu_granted_and_unknown_calling_ae_refused(env):
    _echo_ok(env)
    refused = dcmtk("echoscu", "-aet", "INTRUDER", "-aec", "HOSP_PACS", *_pacs(env))
    assert refused.returncode != 0 and "Calling AE Title Not Recognized" in refused.stderr
    _echo_ok(env)  # the SCP serves the next association normally
    rejected = [x for x in _log(env, family="hospital-pacs", operation="A-ASSOCIATE") if x["institution"] == "INTRUDER"]
    assert rejected and rejected[0]["verdict"] == "fail"
    assert rejected[0]["findings"][0]["rule"] == "DICOM-CALLING-AE-UNKNOWN"
    assert "未获授权" in rejected[0]["findings"][0]["zh"]
    assert any(x["operation"] == "C-ECHO" and x["institution"] == "PORTAL" for x in _log(env, family="hospital-pacs"))


@pytest.mark.parametrize(("level", "keys", "count"), [
    ("STUDY", ["PatientName", "NumberOfStudyRelatedInstances", "ModalitiesInStudy", "AccessionNumber"], 1),
    ("SERIES", ["SeriesInstanceUID", "Modality", "SeriesNumber", "NumberOfSeriesRelatedInstances"], None),
    ("IMAGE", ["SeriesInstanceUID", "SOPInstanceUID", "InstanceNumber"], "all"),
])
def test_findscu_at_each_level(env, level, keys, count):
    study = env["instances"][0].study_uid
    args = ["findscu", "-S", "-aet", "PORTAL", "-aec", "HOSP_PACS", "-k", f"QueryRetrieveLevel={level}",
            "-k", f"StudyInstanceUID={study}", *[a for k in keys for a in ("-k", k)], *_pacs(env)]
    r = dcmtk(*args)
    assert r.returncode == 0, r.stderr
    expected = {"STUDY": 1, "SERIES": len({i.series_uid for i in env["instances"]}), "IMAGE": len(env["instances"])}[level]
    assert r.stderr.count("Find Response:") == expected
    if level == "STUDY":
        # Chinese name round-trips (ISO_IR 192) as alphabetic and ideographic component groups
        assert person_name(env["exam"].patient.name, "groups") in r.stderr
        assert "(0008,0005) CS [ISO_IR 192]" in r.stderr
        assert f"[{len(env['instances'])} ]" in r.stderr or f"[{len(env['instances'])}]" in r.stderr


def test_find_patient_root_and_wildcards(env):
    client = DicomClient(env["sandbox"], calling="PORTAL")
    ds = Dataset()
    ds.QueryRetrieveLevel = "PATIENT"
    ds.PatientID = env["exam"].patient.patient_id
    ds.PatientName = env["exam"].patient.name[0] + "*"
    ds.NumberOfPatientRelatedStudies = ""
    result = client.find(Peer("HOSP_PACS", "127.0.0.1", env["pacs"].port), ds, model="patient")
    assert result.status == 0 and len(result.matches) == 1
    assert str(result.matches[0].PatientName) == person_name(env["exam"].patient.name, "groups")


def test_getscu_retrieves_identical_datasets(env, tmp_path):
    study = env["instances"][0].study_uid
    r = dcmtk("getscu", "-S", "-aet", "PORTAL", "-aec", "HOSP_PACS", "-k", "QueryRetrieveLevel=STUDY",
              "-k", f"StudyInstanceUID={study}", "-od", str(tmp_path), *_pacs(env))
    assert r.returncode == 0, r.stderr
    got = {dcmread(p).SOPInstanceUID: p.read_bytes() for p in tmp_path.iterdir()}
    assert len(got) == len(env["instances"])
    for inst in env["instances"]:
        assert same_dataset(got[inst.sop_instance_uid], inst.data)
    record = [x for x in _log(env, family="hospital-pacs", operation="C-GET") if x["request"].get("StudyInstanceUID") == study]
    assert record[0]["response"]["NumberOfCompletedSuboperations"] == len(env["instances"])


def test_movescu_to_storescp(env):
    study = env["instances"][0].study_uid
    r = dcmtk("movescu", "-S", "-aet", "PORTAL", "-aec", "HOSP_PACS", "-aem", "DCMTK_STORE",
              "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}", *_pacs(env))
    assert r.returncode == 0, r.stderr
    files = [p for p in env["received"].rglob("*") if p.is_file()]
    got = {dcmread(p).SOPInstanceUID: p.read_bytes() for p in files}
    assert len(got) == len(env["instances"])
    for inst in env["instances"]:
        assert same_dataset(got[inst.sop_instance_uid], inst.data)
    record = [x for x in _log(env, family="hospital-pacs", operation="C-MOVE") if x["response"].get("destination") == "DCMTK_STORE"]
    assert record[0]["status"] == 0 and record[0]["response"]["NumberOfCompletedSuboperations"] == len(env["instances"])


def test_unknown_move_destination_is_refused(env):
    study = env["instances"][0].study_uid
    r = dcmtk("movescu", "-S", "-aet", "PORTAL", "-aec", "HOSP_PACS", "-aem", "NOWHERE",
              "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}", *_pacs(env))
    assert r.returncode != 0 and "MoveDestinationUnknown" in r.stderr
    record = [x for x in _log(env, family="hospital-pacs", operation="C-MOVE") if x["response"].get("destination") == "NOWHERE"]
    assert record[0]["status"] == 0xA801 and record[0]["findings"][0]["rule"] == "DICOM-MOVE-DESTINATION-UNKNOWN"
    _echo_ok(env)


def test_aborts_garbage_and_disconnects_do_not_stop_the_scp(env):
    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", env["pacs"].port, ae_title="HOSP_PACS")
    assert assoc.is_established
    assoc.abort()
    for payload in (b"\x07\x00\x00\x00\x00\x04\x00\x00", b"\xff" * 64, b""):  # malformed PDUs, bare disconnect
        with socket.create_connection(("127.0.0.1", env["pacs"].port)) as sock:
            sock.sendall(payload)
    _idle(env)
    _echo_ok(env)
    aborted = [x for x in _log(env, family="hospital-pacs", operation="A-ASSOCIATE") if x["response"].get("result") == "aborted"]
    assert aborted and aborted[0]["findings"][0]["rule"] == "DICOM-ASSOC-ABORTED"


def test_association_limit_then_serves_again(env):
    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(Verification)
    held = [ae.associate("127.0.0.1", env["pacs"].port, ae_title="HOSP_PACS") for _ in range(3)]
    try:
        assert all(a.is_established for a in held)
        over = ae.associate("127.0.0.1", env["pacs"].port, ae_title="HOSP_PACS")
        assert over.is_rejected
    finally:
        for a in held:
            a.release()
    _idle(env)
    _echo_ok(env)
    limited = [x for x in _log(env, family="hospital-pacs", operation="A-ASSOCIATE") if x["response"].get("reason") == 2]
    assert limited and limited[0]["findings"][0]["rule"] == "DICOM-ASSOC-REJECTED"


def test_a_fault_rejection_is_marked_when_the_peer_closes_first(env, monkeypatch):
    """A peer refused by a ``reject`` fault closes as soon as the A-ASSOCIATE-RJ arrives; on a loaded
    machine the DUL's thread saw the close (EVT_CONN_CLOSE) before the association's thread reported
    the rejection, and the rejection was logged without its fault's mark.  Here the report waits
    until the connection has closed: the record still carries the mark."""
    from reference.runtime import Fault
    from reference.transports.dicom import faults

    real, closed = faults.evt.trigger, threading.Event()

    def after_the_close(assoc: Any, event: Any, attrs: dict[str, Any]) -> Any:
        if event is evt.EVT_REJECTED:
            assert closed.wait(10)  # the peer's close handled first (the DUL's thread goes on meanwhile)
        handled = real(assoc, event, attrs)
        if event is evt.EVT_CONN_CLOSE:
            closed.set()
        return handled

    monkeypatch.setattr(faults.evt, "trigger", after_the_close)
    runtime = env["sandbox"].runtime
    runtime.set_faults([Fault(id="rj", party="hospital", kind="reject", operation="A-ASSOCIATE",
                              params={"result": 2, "source": 3, "reason": 1})])
    try:
        ae = AE(ae_title="PORTAL")
        ae.add_requested_context(Verification)
        assert ae.associate("127.0.0.1", env["pacs"].port, ae_title="HOSP_PACS").is_rejected
    finally:
        runtime.set_faults([])
    _idle(env)
    recorded = _log(env, family="hospital-pacs", operation="A-ASSOCIATE")[0]
    assert recorded["response"]["result"] == "rejected" and recorded["response"]["fault"]["kind"] == "reject"
    assert not env["pacs"].recorder._assocs  # its state dropped once reported, though the close came first
    _echo_ok(env)


def test_find_and_get_match_a_list_of_uids(env):
    """List of UID matching (PS3.4 C.2.2.2.2): several SOP Instance UIDs, backslash-separated, each matched."""
    client, peer = DicomClient(env["sandbox"], calling="PORTAL"), Peer("HOSP_PACS", "127.0.0.1", env["pacs"].port)
    first = env["instances"][0]
    same_series = [i.sop_instance_uid for i in env["instances"] if i.series_uid == first.series_uid]
    assert len(same_series) >= 2
    ident = study_identifier(first.study_uid, "IMAGE", SeriesInstanceUID=first.series_uid)
    ident.SOPInstanceUID = same_series[:2]
    got = client.get(peer, ident)
    assert got.ok and len(got.files) == 2, got.counts
    ident.SOPInstanceUID = [same_series[0], "1.2.3.999"]
    found = client.find(peer, ident)
    assert found.ok and [m.SOPInstanceUID for m in found.matches] == [same_series[0]]


def test_get_suboperation_failures_are_counted(env):
    """The requestor refuses the first C-STORE: final status Warning with 1 failed."""
    seen: list[str] = []

    def on_store(event: evt.Event) -> int:
        seen.append(event.request.AffectedSOPInstanceUID)
        return 0xA700 if len(seen) == 1 else 0x0000

    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
    ae.add_requested_context(MRImageStorage)
    assoc = ae.associate("127.0.0.1", env["pacs"].port, ae_title="HOSP_PACS", ext_neg=[build_role(MRImageStorage, scp_role=True)],
                         evt_handlers=[(evt.EVT_C_STORE, on_store)])
    final = None
    for status, identifier in assoc.send_c_get(study_identifier(env["instances"][0].study_uid), StudyRootQueryRetrieveInformationModelGet):
        final = (status, identifier)
    assoc.release()
    status, identifier = final
    n = len(env["instances"])
    assert status.Status == 0xB000 and status.NumberOfFailedSuboperations == 1
    assert status.NumberOfCompletedSuboperations == n - 1 and identifier.FailedSOPInstanceUIDList == seen[0]
    record = [x for x in _log(env, family="hospital-pacs", operation="C-GET") if x["status"] == 0xB000]
    assert record and record[0]["findings"][0]["rule"] == "DICOM-SUBOPS-FAILED"


# -- the archive (seeds/004 §3.2.3.2.1) ---------------------------------------------------------
def _file(tmp_path: Path, data: bytes, name: str, **changes: Any) -> Path:
    ds = dcmread(__import__("io").BytesIO(data))
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    path = tmp_path / name
    ds.save_as(path, enforce_file_format=True)
    return path


def _storescu(env: dict[str, Any], *files: Path) -> subprocess.CompletedProcess[str]:
    return dcmtk("storescu", "-v", "-aet", "PORTAL", "-aec", "CLOUD_ARCHIVE", "127.0.0.1", str(env["archive"].port),
                 *map(str, files))


def test_storescu_into_the_archive(env, tmp_path):
    exam, instances = env["exam"], env["instances"]
    first = tmp_path / "first.dcm"
    first.write_bytes(instances[0].data)
    refused = _storescu(env, first)
    assert "Store Response (Success)" not in refused.stderr, refused.stderr
    register_exam(env["sandbox"], patient_id=exam.patient.patient_id, study_uid=exam.study_uid,
                  accession=exam.accession_no, hospital_code="H51080200011")
    ok = _storescu(env, first)
    assert ok.returncode == 0 and "Store Response (Success)" in ok.stderr, ok.stderr
    wrong = _file(tmp_path, instances[1].data, "wrong.dcm", AccessionNumber="X999")
    bad = _storescu(env, wrong)
    assert "Store Response (Success)" not in bad.stderr, bad.stderr
    form = _file(tmp_path, instances[1].data, "form.dcm", SOPClassUID="1.2.840.10008.5.1.4.1.1.7",
                 ConversionType="SD", SeriesNumber=3, SOPInstanceUID=instances[1].sop_instance_uid + ".99")
    form.write_bytes(form.read_bytes())
    ds = dcmread(form)
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.save_as(form, enforce_file_format=True)
    assert "Store Response (Success)" not in _storescu(env, form).stderr
    ds.SeriesNumber = 0
    ds.save_as(form, enforce_file_format=True)
    assert "Store Response (Success)" in _storescu(env, form).stderr
    rle = dcmread(__import__("io").BytesIO(instances[2].data))
    rle.compress(RLELossless)
    rle.save_as(tmp_path / "rle.dcm", enforce_file_format=True)
    compressed = _storescu(env, tmp_path / "rle.dcm")
    assert compressed.returncode != 0 or "no presentation context" in compressed.stderr.lower()
    stored = _log(env, family="regional-archive", operation="C-STORE")
    rules = {f["rule"] for x in stored for f in x["findings"]}
    statuses = {f["rule"]: x["status"] for x in stored for f in x["findings"]}
    assert statuses["DICOM-ARCHIVE-NOT-REGISTERED"] == 0x0124 and statuses["DICOM-ARCHIVE-ID-MISMATCH"] == 0xA900
    assert {"DICOM-ARCHIVE-NOT-REGISTERED", "DICOM-ARCHIVE-ID-MISMATCH", "DICOM-ARCHIVE-FORM-SERIES"} <= rules
    # Q/R of what it holds: the two accepted instances come back identical
    got = DicomClient(env["sandbox"], calling="PORTAL").get(Peer("CLOUD_ARCHIVE", "127.0.0.1", env["archive"].port),
                                                            study_identifier(exam.study_uid))
    assert got.status == 0 and len(got.files) == 2  # the first instance and the scanned form
    assert any(same_dataset(f, instances[0].data) for f in got.files)
