"""Hardening (issue 9, defects 1, 2 and 12): hostile DICOM peers.  A PDU announcing 1 GiB is
aborted without being allocated for; peers that stall mid-PDU (more than the association limit)
are dropped after the ACSE timeout; an invalid PDU gets an A-ABORT and the connection closes; a
request for another called AE title, or with no presentation context, is rejected; a requestor
aborting mid C-GET costs nothing.  After each, the SCP serves a normal C-ECHO and C-FIND."""
from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset
from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import CTImageStorage, StudyRootQueryRetrieveInformationModelGet

from reference.transports.dicom.client import DicomClient, Peer, study_identifier
from reference.transports.dicom.net import UNCOMPRESSED
from tests.dicom.helpers import dicom_sandbox, study_in_pacs

LIMIT = 3  # concurrent associations of the PACS in this module


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("robust") / "home"
    with dicom_sandbox(home, hospital={"max_associations": LIMIT}) as (sandbox, scps):
        exam, instances = study_in_pacs(sandbox, "CT", 3)
        yield {"sandbox": sandbox, "scp": scps["hospital"], "study": instances[0].study_uid}


def _peer(pacs: dict[str, Any]) -> Peer:
    return Peer(pacs["scp"].ae_title, pacs["scp"].host, pacs["scp"].port)


def _serves_normally(pacs: dict[str, Any], within: float = 10) -> None:
    """A C-ECHO and a C-FIND succeed (once the SCP has let go of what hostile peers held: an
    aborted association keeps its slot until the peer closes or the ARTIM timer expires)."""
    client = DicomClient(None, calling="PORTAL", timeout=15)
    deadline = time.monotonic() + within
    while client.echo(_peer(pacs)).status != 0:
        assert time.monotonic() < deadline, "the SCP does not serve a C-ECHO any more"
        time.sleep(0.2)
    found = client.find(_peer(pacs), study_identifier(pacs["study"]))
    assert found.status == 0 and len(found.matches) == 1


def _connect(pacs: dict[str, Any]) -> socket.socket:
    return socket.create_connection((pacs["scp"].host, pacs["scp"].port), timeout=30)


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def _item(kind: int, data: bytes) -> bytes:
    return struct.pack(">BBH", kind, 0, len(data)) + data


def _associate_rq(called: str, *, contexts: bool = True) -> bytes:
    """An A-ASSOCIATE-RQ PDU (PS3.8 §9.3.2) asking for Verification, or for nothing."""
    context = _item(0x20, bytes([1, 0, 0, 0]) + _item(0x30, b"1.2.840.10008.1.1") + _item(0x40, b"1.2.840.10008.1.2"))
    body = (struct.pack(">HH", 1, 0) + called.encode().ljust(16) + b"PORTAL".ljust(16) + bytes(32)
            + _item(0x10, b"1.2.840.10008.3.1.1.1") + (context if contexts else b"")
            + _item(0x50, _item(0x51, struct.pack(">L", 16384))))
    return struct.pack(">BBL", 1, 0, len(body)) + body


def _first_reply_type(sock: socket.socket) -> int | None:
    data = sock.recv(1)
    return data[0] if data else None


def test_absurd_pdu_lengths_are_aborted_without_allocating(pacs):
    before = _rss_mb()
    socks = [_connect(pacs) for _ in range(3)]
    for s in socks:
        s.sendall(struct.pack(">BBL", 0x01, 0, 1 << 30))  # A-ASSOCIATE-RQ announcing 1 GiB
    replies = [_first_reply_type(s) for s in socks]
    assert replies == [0x07] * 3  # A-ABORT
    assert _rss_mb() - before < 100
    for s in socks:
        s.close()
    _serves_normally(pacs)


def test_stalled_peers_beyond_the_limit_are_dropped(pacs):
    stalled = [_connect(pacs) for _ in range(LIMIT + 2)]
    for s in stalled:
        s.sendall(struct.pack(">BBL", 0x01, 0, 200) + b"\x00\x01" + b"x" * 20)  # half an A-ASSOCIATE-RQ
    time.sleep(7)  # the SCP's ACSE timeout is 5 s
    _serves_normally(pacs)
    for s in stalled:
        s.settimeout(5)
        assert s.recv(1) in (b"", b"\x07")  # dropped (or aborted)
        s.close()


def test_invalid_pdu_gets_abort_and_the_connection_closes(pacs):
    sock = _connect(pacs)
    sock.sendall(struct.pack(">BBL", 0x09, 0, 4) + b"abcd")
    t0 = time.monotonic()
    assert _first_reply_type(sock) == 0x07
    while sock.recv(100):
        pass
    assert time.monotonic() - t0 < 15  # closed after the ARTIM timer (ACSE timeout), not left open
    sock.close()
    _serves_normally(pacs)


@pytest.mark.parametrize(("pdu", "rule"), [
    (lambda: _associate_rq("NOT_THE_PACS"), "DICOM-CALLED-AE-UNKNOWN"),
    (lambda: _associate_rq("HOSP_PACS", contexts=False), "DICOM-NO-CONTEXTS"),
])
def test_malformed_requests_are_rejected_and_named(pacs, pdu, rule):
    sock = _connect(pacs)
    sock.sendall(pdu())
    assert _first_reply_type(sock) == 0x03  # A-ASSOCIATE-RJ
    sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        records = pacs["sandbox"].exchanges.query(operation="A-ASSOCIATE", limit=20)
        if any(f["rule"] == rule for r in records for f in r["findings"]):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"no exchange names {rule}")
    _serves_normally(pacs)


def test_abort_in_the_middle_of_a_c_get(pacs):
    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet, UNCOMPRESSED)
    ae.add_requested_context(CTImageStorage, UNCOMPRESSED)
    assoc = ae.associate(pacs["scp"].host, pacs["scp"].port, ae_title="HOSP_PACS",
                         ext_neg=[build_role(CTImageStorage, scp_role=True)],
                         evt_handlers=[(evt.EVT_C_STORE, lambda event: 0x0000)])
    assert assoc.is_established
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = pacs["study"]
    for status, _ in assoc.send_c_get(identifier, StudyRootQueryRetrieveInformationModelGet):
        if status and int(status.Status) == 0xFF00:
            assoc.abort()  # after the first instance
            break
    ae.shutdown()
    _serves_normally(pacs)
