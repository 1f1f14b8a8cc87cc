"""C-FIND answers kept per identifier (``qr.FindCache``) stay right: a study stored or deleted —
in this process or another one of the same data home — is answered by the next query of the same
association; every query is still logged with its identifier, findings and matches; a repeated
query gets the same replies.  And ``Database.watch``, which tells the cache a catalogue changed."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as FIND
from sqlalchemy import delete, select, text, update

from reference.families.regional_archive.archive import register_exam
from reference.runtime import parse_fault
from reference.sandbox import Sandbox
from reference.storage import Database
from reference.storage.models import DicomStored, PacsInstance
from reference.transports.dicom import patches
from reference.transports.dicom.client import DicomClient, Peer
from reference.transports.dicom.net import NODELAY_HANDLERS
from sim.synth import make_study
from tests.dicom.helpers import dicom_config, dicom_sandbox, find_exam, put_in_pacs


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    patches.install()
    root = tmp_path_factory.mktemp("find-cache")
    with dicom_sandbox(root / "home") as (sandbox, scps):
        exam = find_exam("CT", seed=11)
        instances = make_study(exam, seed=11, instances_per_series=1)
        yield {"sandbox": sandbox, "scps": scps, "exam": exam, "instances": instances, "home": root / "home"}


def _associate(port: int, title: str = "HOSP_PACS") -> Any:
    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(FIND)
    assoc = ae.associate("127.0.0.1", port, ae_title=title, evt_handlers=NODELAY_HANDLERS)
    assert assoc.is_established
    return assoc


def _study_query(study: str, **extra: Any) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    ds.StudyInstanceUID = study
    ds.PatientName = ""
    ds.AccessionNumber = ""
    ds.NumberOfStudyRelatedInstances = ""
    for keyword, value in extra.items():
        setattr(ds, keyword, value)
    return ds


def _find(assoc: Any, ds: Dataset) -> tuple[list[Dataset], int]:
    """The pending replies and the final status of one C-FIND."""
    replies, final = [], None
    for status, reply in assoc.send_c_find(ds, FIND):
        if status.Status in (0xFF00, 0xFF01):
            replies.append(reply)
        else:
            final = int(status.Status)
    assert final is not None
    return replies, final


def _find_repeatedly(port: int, ds: Dataset, times: int) -> None:
    """The same C-FIND ``times`` times in one association to the hospital PACS."""
    assoc = _associate(port)
    try:
        for _ in range(times):
            _find(assoc, ds)
    finally:
        assoc.release()


def _drop_pacs_study(sandbox: Sandbox, study: str) -> None:
    with sandbox.db.session() as session:
        session.execute(delete(PacsInstance).where(PacsInstance.study_uid == study))


def test_a_study_stored_then_deleted_is_answered_at_once_in_one_association(env):
    sandbox, instances, study = env["sandbox"], env["instances"], env["instances"][0].study_uid
    assoc = _associate(env["scps"]["hospital"].port)
    try:
        assert _find(assoc, _study_query(study)) == ([], 0x0000)
        assert _find(assoc, _study_query(study)) == ([], 0x0000)  # an empty answer kept...
        put_in_pacs(sandbox, env["exam"], instances)
        found, status = _find(assoc, _study_query(study))  # ...forgotten when the study is stored
        assert status == 0 and len(found) == 1
        assert found[0].NumberOfStudyRelatedInstances == len(instances)
        again, _ = _find(assoc, _study_query(study))
        assert [r.to_json_dict() for r in again] == [r.to_json_dict() for r in found]
        # one instance fewer: the count the catalogue makes
        with sandbox.db.session() as session:
            session.execute(delete(PacsInstance).where(PacsInstance.sop_uid == instances[0].sop_instance_uid))
        fewer, _ = _find(assoc, _study_query(study))
        assert len(fewer) == 1 and fewer[0].NumberOfStudyRelatedInstances == len(instances) - 1
        # a row changed by an UPDATE: another study's now
        with sandbox.db.session() as session:
            session.execute(update(PacsInstance).where(PacsInstance.study_uid == study).values(study_uid="1.2.3.4"))
        assert _find(assoc, _study_query(study)) == ([], 0x0000)
        _drop_pacs_study(sandbox, "1.2.3.4")
        put_in_pacs(sandbox, env["exam"], instances)
        assert len(_find(assoc, _study_query(study))[0]) == 1
        _drop_pacs_study(sandbox, study)
        assert _find(assoc, _study_query(study)) == ([], 0x0000)
    finally:
        assoc.release()


def test_a_change_made_by_another_process_of_the_data_home_is_answered(env):
    """Another worker (here: another ``Sandbox`` on the same home, its own engine and mapping of
    the generation file) deletes the study: this SCP's kept answer goes."""
    sandbox, instances, study = env["sandbox"], env["instances"], env["instances"][0].study_uid
    put_in_pacs(sandbox, env["exam"], instances)
    assoc = _associate(env["scps"]["hospital"].port)
    other = Sandbox.open(dicom_config(env["home"]), migrate=False)
    try:
        assert len(_find(assoc, _study_query(study))[0]) == 1
        assert len(_find(assoc, _study_query(study))[0]) == 1
        _drop_pacs_study(other, study)
        assert _find(assoc, _study_query(study)) == ([], 0x0000)
        put_in_pacs(other, env["exam"], instances)
        assert len(_find(assoc, _study_query(study))[0]) == 1
    finally:
        other.close()
        assoc.release()


def test_every_query_is_logged_with_its_identifier_and_matches(env):
    sandbox, instances, study = env["sandbox"], env["instances"], env["instances"][0].study_uid
    with sandbox.db.reading() as session:
        if session.scalar(select(PacsInstance.id).where(PacsInstance.study_uid == study).limit(1)) is None:
            put_in_pacs(sandbox, env["exam"], instances)
    marker = "LOGGED^" + study[-6:]
    query = _study_query(study, StudyDescription="", ReferringPhysicianName=marker)
    _find_repeatedly(env["scps"]["hospital"].port, query, 3)
    sandbox.exchanges.flush()
    logged = [x for x in sandbox.exchanges.query(limit=200, family="hospital-pacs", operation="C-FIND")
              if x["request"].get("ReferringPhysicianName") == marker]
    assert len(logged) == 3
    for record in logged:
        assert record["status"] == 0 and record["response"]["matches"] == 0  # the physician does not match
        assert record["request"]["StudyInstanceUID"] == study


def test_charset_findings_of_a_query_are_on_every_exchange(env):
    """A GBK name sent without (0008,0005): each query's exchange names it, kept reading or not."""
    study = env["instances"][0].study_uid
    name = env["exam"].patient.name
    ds = _study_query(study)
    del ds.PatientName
    ds.add_new(0x00100010, "PN", name.encode("gbk"))
    _find_repeatedly(env["scps"]["hospital"].port, ds, 2)
    sandbox = env["sandbox"]
    sandbox.exchanges.flush()
    named = [x for x in sandbox.exchanges.query(limit=200, family="hospital-pacs", operation="C-FIND")
             if x["request"].get("PatientName") == name]
    assert len(named) == 2
    for record in named:
        assert any(f["rule"] == "DICOM-CHARSET-UNDECLARED" and "GBK" in f["en"] for f in record["findings"])


def test_an_instance_stored_into_the_archive_is_found_by_the_next_query(env):
    sandbox, scps = env["sandbox"], env["scps"]
    exam = find_exam("MR", seed=12)
    instances = make_study(exam, seed=12, instances_per_series=1)
    first = instances[0]
    register_exam(sandbox, patient_id=exam.patient.patient_id, study_uid=first.study_uid,
                  accession=exam.accession_no, hospital_code="H51080200011")
    archive = scps["regional_platform"]
    assoc = _associate(archive.port, "CLOUD_ARCHIVE")
    try:
        assert _find(assoc, _study_query(first.study_uid)) == ([], 0x0000)
        path = env["home"].parent / "archive-first.dcm"
        path.write_bytes(first.data)
        sent = DicomClient(sandbox, calling="PORTAL").store(Peer("CLOUD_ARCHIVE", "127.0.0.1", archive.port), [path])
        assert sent.ok, sent
        found, _ = _find(assoc, _study_query(first.study_uid))
        assert len(found) == 1 and found[0].NumberOfStudyRelatedInstances == 1
        with sandbox.db.session() as session:
            session.execute(delete(DicomStored).where(DicomStored.study_uid == first.study_uid))
        assert _find(assoc, _study_query(first.study_uid)) == ([], 0x0000)
    finally:
        assoc.release()


def test_an_answer_cut_short_is_not_kept(env):
    """A ``status`` fault after 1 match fails an IMAGE-level query after its first reply: once the
    fault is gone, the same query gets every match (a partial answer is never kept as the whole)."""
    sandbox, instances, study = env["sandbox"], env["instances"], env["instances"][0].study_uid
    put_in_pacs(sandbox, env["exam"], instances)
    assert len(instances) >= 2
    query = Dataset()
    query.QueryRetrieveLevel = "IMAGE"
    query.StudyInstanceUID = study
    query.SOPInstanceUID = ""
    assoc = _associate(env["scps"]["hospital"].port)
    try:
        sandbox.runtime.set_faults([parse_fault({"party": "hospital", "operation": "C-FIND", "kind": "status",
                                                 "status": 0xC000, "after": 1}, "cut")])
        cut, status = _find(assoc, query)
        assert len(cut) == 1 and status == 0xC000
        sandbox.runtime.set_faults([])
        assert len(_find(assoc, query)[0]) == len(instances)
    finally:
        sandbox.runtime.set_faults([])
        assoc.release()


@pytest.mark.parametrize("charset", ["gb18030", "mislabel-gbk-as-iso-ir-100", "utf8"])
@pytest.mark.parametrize("syntax", [ImplicitVRLittleEndian, ExplicitVRLittleEndian], ids=["implicit", "explicit"])
def test_a_kept_reply_goes_out_as_its_sealed_bytes_identical_to_pydicoms(env, monkeypatch, charset, syntax):
    """Replies with Chinese names (GB18030, GBK mislabelled) and multi-valued elements: the bytes
    on the wire of a fresh answer and of a kept one are the same, are what pydicom writes for the
    reply identifier, and the kept one is not written again."""
    sandbox = env["sandbox"]
    exam = find_exam("CT", seed=31)
    instances = make_study(exam, seed=31, instances_per_series=1, charset=charset)
    put_in_pacs(sandbox, exam, instances)
    query = _study_query(instances[0].study_uid, PatientName="", StudyDate="", StudyDescription="",
                         ReferringPhysicianName="", SOPInstanceUID="", ImageType="")
    query.QueryRetrieveLevel = "IMAGE"
    del query.NumberOfStudyRelatedInstances
    received: list[bytes] = []

    def on_recv(event: Any) -> None:
        data = event.message.data_set
        if type(event.message).__name__ == "C_FIND_RSP" and data is not None and data.getvalue():
            received.append(data.getvalue())

    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(FIND, [syntax])
    assoc = ae.associate("127.0.0.1", env["scps"]["hospital"].port, ae_title="HOSP_PACS",
                         evt_handlers=[*NODELAY_HANDLERS, (evt.EVT_DIMSE_RECV, on_recv)])
    assert assoc.is_established
    try:
        with monkeypatch.context() as unsealed:  # as before: pynetdicom writes each reply itself
            unsealed.setattr(patches.EncodedReply, "seal", lambda self, *_: self)
            before, _ = _find(assoc, query)
        sandbox.catalogue.bump()  # the kept unsealed answer forgotten
        first, _ = _find(assoc, query)  # written once, sealed
        writes: list[Any] = []
        written = patches._pynetdicom_encode
        monkeypatch.setattr(patches, "_pynetdicom_encode", lambda ds, *a: writes.append(ds) or written(ds, *a))
        again, _ = _find(assoc, query)  # kept: sent as sealed
    finally:
        assoc.release()
    n = len(instances)
    assert len(first) == n and len(received) == 3 * n and received[:n] == received[n:2 * n] == received[2 * n:]
    assert not [w for w in writes if isinstance(w, patches.EncodedReply)]  # the kept reply was not written again
    assert len(first[0].ImageType) > 1 and b"\\" in received[0]  # multi-valued
    assert [r.to_json_dict() for r in (*before, *again)] == [r.to_json_dict() for r in first] * 2
    _drop_pacs_study(sandbox, instances[0].study_uid)


# -- Database.watch ---------------------------------------------------------------------------------
def test_watch_calls_back_after_a_committed_write_to_a_watched_table_only(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    calls: list[str] = []
    db.watch(("watched",), lambda: calls.append("changed"))
    with db.transaction() as conn:
        conn.execute(text("CREATE TABLE watched (a INTEGER)"))
        conn.execute(text("CREATE TABLE other (a INTEGER)"))
    assert calls == ["changed"]  # DDL naming it
    calls.clear()
    with db.transaction() as conn:
        conn.execute(text("INSERT INTO other VALUES (1)"))
    with db.reading() as session:
        session.execute(text("SELECT * FROM watched")).all()
    assert calls == []

    seen_in_callback: list[int] = []

    def changed() -> None:  # called after the commit: another connection sees the row
        with db.reading() as session:
            seen_in_callback.append(len(session.execute(text("SELECT * FROM watched")).all()))

    db.unwatch(next(iter(db._watches)))
    db.watch(("watched",), changed)
    with db.session() as session:
        session.execute(text("INSERT INTO watched VALUES (1)"))
    assert seen_in_callback == [1]
    with db.transaction() as conn:
        conn.execute(text("DELETE FROM watched"))
    assert seen_in_callback == [1, 0]
    db.dispose()
