"""The event-driven reactors and the sender-written messages (``reference/transports/dicom/reactors.py``,
``patches._deliver``): many exchanges back to back in one association are each answered and
recorded, a requestor's own association thread never takes the response its sender waits for,
writes on one socket never interleave, an idle association still notices its network timeout, a
requestor hears a quick rejection as a rejection, and the association server holds up under many
workstations (its listen backlog, no full garbage collections)."""
from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.acse import ACSE
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as FIND

from reference.transports.dicom import patches, reactors
from reference.transports.dicom.net import NODELAY_HANDLERS
from tests.dicom.helpers import dicom_sandbox, study_in_pacs

QUERIES = 150


def _query(study: str) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel, ds.StudyInstanceUID, ds.PatientID, ds.NumberOfStudyRelatedInstances = "STUDY", study, "", ""
    return ds


def test_many_finds_in_one_association_each_answered_and_recorded(tmp_path: Path) -> None:
    patches.install()
    with dicom_sandbox(tmp_path / "home") as (sandbox, scps):
        _, instances = study_in_pacs(sandbox, "CT", 2)
        study = instances[0].study_uid
        ae = AE(ae_title="PORTAL")
        ae.add_requested_context(FIND)
        assoc = ae.associate("127.0.0.1", scps["hospital"].port, ae_title="HOSP_PACS", evt_handlers=NODELAY_HANDLERS)
        assert assoc.is_established
        answers = []
        for _ in range(QUERIES):  # the client's association thread is woken by every response
            replies = list(assoc.send_c_find(_query(study), FIND))
            answers.append([(int(status.Status), ident.StudyInstanceUID if ident else None) for status, ident in replies])
        assoc.release()
        assert answers == [[(0xFF00, study), (0x0000, None)]] * QUERIES
        finds = sandbox.exchanges.query(operation="C-FIND", limit=QUERIES + 10)
        assert len(finds) == QUERIES
        assert all(f["response"]["matches"] == 1 for f in finds)


def test_a_released_association_is_in_the_log_when_the_peer_has_its_release_reply(tmp_path: Path, monkeypatch) -> None:
    """The SCP records an association the peer releases before its A-RELEASE-RP leaves: a script that
    reads the log as soon as its release returns finds it (here the RP is held 0.5 s after leaving;
    recorded after it, as pynetdicom reports a release, the record came that much later)."""
    patches.install()
    send_release = ACSE.send_release

    def slow_reply(acse: ACSE, is_response: bool = False) -> None:
        send_release(acse, is_response=is_response)
        if is_response:
            time.sleep(0.5)

    monkeypatch.setattr(ACSE, "send_release", slow_reply)
    with dicom_sandbox(tmp_path / "home") as (sandbox, scps):
        ae = AE(ae_title="PORTAL")
        ae.add_requested_context(FIND)
        assoc = ae.associate("127.0.0.1", scps["hospital"].port, ae_title="HOSP_PACS", evt_handlers=NODELAY_HANDLERS)
        assert assoc.is_established
        assoc.release()
        assert assoc.is_released
        records = [r for r in sandbox.exchanges.query(operation="A-ASSOCIATE", limit=20) if r["institution"] == "PORTAL"]
        assert [r["response"]["result"] for r in records] == ["released"]


def test_writes_on_one_socket_hold_its_send_lock() -> None:
    """``_deliver`` and the DUL's writes take the same per-socket lock: while one thread holds it,
    another's write waits."""

    class Sock:
        def __init__(self) -> None:
            self.socket, self.log = object(), []

        def send(self, data: bytes) -> None:  # AssociationSocket.send, as patched: under the lock
            with patches.send_lock(self):
                self.log.append(data)

    sock = Sock()
    lock = patches.send_lock(sock)
    assert patches.send_lock(sock) is lock
    lock.acquire()
    writer = threading.Thread(target=sock.send, args=(b"second",))
    writer.start()
    time.sleep(0.05)
    sock.log.append(b"first")  # the holder writes; the other thread is still waiting
    assert sock.log == [b"first"]
    lock.release()
    writer.join(5)
    assert sock.log == [b"first", b"second"]


def test_an_idle_association_still_times_out(tmp_path: Path) -> None:
    """The reactors wait on events, not a 1 ms poll; the idle (network) timer is still looked at."""
    patches.install()
    with dicom_sandbox(tmp_path / "home") as (_sandbox, scps):
        ae = AE(ae_title="PORTAL")
        ae.add_requested_context(FIND)
        ae.network_timeout = 0.3
        assoc = ae.associate("127.0.0.1", scps["hospital"].port, ae_title="HOSP_PACS", evt_handlers=NODELAY_HANDLERS)
        assert assoc.is_established
        deadline = time.monotonic() + 5
        while assoc.is_established and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not assoc.is_established
        assert time.monotonic() < deadline
        assert reactors.IDLE_WAIT < 0.3


class _LateLooker:
    """The requestor's socket as ``ACSE._negotiate_as_requestor`` sees it, with its user thread
    descheduled for ``delay`` s between "connected" and looking at ``_is_connected`` (a busy machine)."""

    def __init__(self, sock: object, delay: float) -> None:
        self._sock, self._delay = sock, delay

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)

    @property
    def _ready(self) -> object:
        real, delay = self._sock._ready, self._delay  # type: ignore[attr-defined]

        class Late:
            def wait(self, timeout: float | None = None) -> bool:
                done = real.wait(timeout)
                time.sleep(delay)
                return bool(done)
        return Late()


def test_a_quick_rejection_is_heard_as_a_rejection_however_late_the_user_looks(tmp_path: Path, monkeypatch) -> None:
    """An SCP that rejects at once (a wrong called AE title) answers and closes; pynetdicom's
    requestor, if its user thread looked at the socket only after that, took the closed socket for
    a failed connection and aborted (the load test's DICOM agent, 1 in ~80 under load).  The
    requestor's A-ASSOCIATE-RQ now leaves once its user listens: the peer's reason is heard."""
    patches.install()
    monkeypatch.setattr(ACSE, "socket", property(lambda acse: _LateLooker(acse.assoc.dul.socket, 0.4)))
    with dicom_sandbox(tmp_path / "home") as (_sandbox, scps):
        ae = AE(ae_title="PORTAL")
        ae.add_requested_context(FIND)
        assoc = ae.associate("127.0.0.1", scps["hospital"].port, ae_title="NOT_THE_PACS", evt_handlers=NODELAY_HANDLERS)
        assert assoc.is_rejected and not assoc.is_aborted
        assert assoc.acceptor.primitive.reason_str == "Called AE title not recognised"
        accepted = ae.associate("127.0.0.1", scps["hospital"].port, ae_title="HOSP_PACS", evt_handlers=NODELAY_HANDLERS)
        assert accepted.is_established
        accepted.release()


def test_the_scp_queues_connections_for_many_workstations(tmp_path: Path) -> None:
    """socketserver's listen backlog of 5 overflowed under 20 workstations at once (dropped SYNs:
    a 1 s TCP retransmission each); the SCPs listen with ``LISTEN_BACKLOG``."""
    with dicom_sandbox(tmp_path / "home") as (_sandbox, scps):
        for scp in scps.values():
            assert scp.server.request_queue_size == patches.LISTEN_BACKLOG >= 128


def test_the_association_server_never_runs_a_full_collection(tmp_path: Path, monkeypatch) -> None:
    """pynetdicom's ``service_actions`` ran ``gc.collect()`` (all generations, the GIL held for the
    whole process: ~0.2 s in a served sandbox) every 60 connections or 0.5 s polls; the patched
    one collects the young generations, where association threads' cycles are."""
    generations: list[int] = []
    collect = gc.collect
    monkeypatch.setattr(gc, "collect", lambda generation=2: generations.append(generation) or collect(0))
    with dicom_sandbox(tmp_path / "home") as (_sandbox, scps):
        server = scps["hospital"].server
        for _ in range(200):
            server.service_actions()
    assert generations and max(generations) < 2, generations
