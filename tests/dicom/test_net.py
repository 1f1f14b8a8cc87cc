"""The pynetdicom patches of ``reference/transports/dicom/patches.py``: stored data sets sent as stored (and
converted when the peer accepted another transfer syntax), command sets and file meta written
byte for byte as pynetdicom/pydicom would, PDUs cut to the peer's limit."""
from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from pydicom import dcmread
from pydicom.filereader import read_dataset, read_preamble
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, build_role, evt
from pynetdicom import dimse_primitives as prim
from pynetdicom.dimse import _RQ_TO_MESSAGE, _RSP_TO_MESSAGE
from pynetdicom.dsutils import encode
from pynetdicom.events import Event
from pynetdicom.sop_class import MRImageStorage, StudyRootQueryRetrieveInformationModelGet

from reference.families.hospital.pacs import pacs_catalogue
from reference.transports.dicom import commands, qr
from reference.transports.dicom.client import study_identifier
from reference.transports.dicom.net import EncodedDataset, part10
from reference.transports.dicom.patches import _encode_command, _frame
from tests.dicom.helpers import dicom_sandbox, same_dataset, study_in_pacs

pytestmark = pytest.mark.skipif(shutil.which("echoscu") is None, reason="DCMTK is not installed")


def _primitives() -> Iterator[Any]:
    store = prim.C_STORE()
    store.MessageID, store.Priority, store.AffectedSOPClassUID = 7, 0, MRImageStorage
    store.AffectedSOPInstanceUID, store.DataSet = "1.2.3.4.5", BytesIO(b"\x08\x00\x16\x00")
    store.MoveOriginatorApplicationEntityTitle, store.MoveOriginatorMessageID = "PORTAL", 3
    yield store
    get = prim.C_GET()
    get.MessageIDBeingRespondedTo, get.AffectedSOPClassUID = 1, StudyRootQueryRetrieveInformationModelGet
    get.Status, get.NumberOfRemainingSuboperations, get.NumberOfCompletedSuboperations = 0xFF00, 3, 1
    get.NumberOfFailedSuboperations = get.NumberOfWarningSuboperations = 0
    yield get
    move = prim.C_MOVE()
    move.MessageID, move.Priority, move.AffectedSOPClassUID = 2, 0, "1.2.840.10008.5.1.4.1.2.2.2"
    move.MoveDestination, move.Identifier = "DCMTK_STORE", BytesIO(b"ab")
    yield move
    find = prim.C_FIND()
    find.MessageIDBeingRespondedTo, find.AffectedSOPClassUID = 1, "1.2.840.10008.5.1.4.1.2.2.1"
    find.Status, find.ErrorComment, find.OffendingElement = 0xA900, "bad level", [0x00080052]  # AT: pydicom's way
    yield find
    rsp = prim.C_STORE()
    rsp.MessageIDBeingRespondedTo, rsp.AffectedSOPClassUID, rsp.AffectedSOPInstanceUID = 5, MRImageStorage, "1.2.3"
    rsp.Status, rsp.ErrorComment = 0xB000, "odd"
    yield rsp


@pytest.mark.parametrize("primitive", list(_primitives()), ids=lambda p: type(p).__name__)
def test_command_sets_are_encoded_as_pydicom_does(primitive):
    table = _RQ_TO_MESSAGE if primitive.MessageIDBeingRespondedTo is None else _RSP_TO_MESSAGE
    msg = table[type(primitive)]()
    msg.primitive_to_message(primitive)
    assert _encode_command(msg.command_set, True, True) == encode(msg.command_set, True, True)


def _responses() -> Iterator[Any]:
    """C-FIND, C-GET and C-MOVE responses: pending (with and without an identifier), final, warning,
    failure, cancel; odd and even UIDs; the largest Message ID and counts."""
    for cls in (prim.C_FIND, prim.C_GET, prim.C_MOVE):
        for sop in ("1.2.840.10008.5.1.4.1.2.2.1", "1.2.840.10008.5.1.4.1.2.1.1", "1.2.3.45"):  # even, odd lengths
            for msg_id, status, identifier in ((1, 0xFF00, BytesIO(b"\x08\x00\x52\x00")), (65535, 0xFF01, BytesIO(b"ab")),
                                               (7, 0x0000, None), (300, 0xFE00, None), (2, 0xC311, None),
                                               (9, 0xB000, BytesIO(b"cd"))):
                rsp = cls()
                rsp.MessageIDBeingRespondedTo, rsp.AffectedSOPClassUID, rsp.Status = msg_id, sop, status
                rsp.Identifier = identifier
                if cls is not prim.C_FIND:
                    rsp.NumberOfRemainingSuboperations = msg_id % 3 if status == 0xFF00 else None
                    rsp.NumberOfCompletedSuboperations, rsp.NumberOfFailedSuboperations = 65535, msg_id % 2
                    rsp.NumberOfWarningSuboperations = 0
                yield rsp


def _stores() -> Iterator[Any]:
    """C-STORE requests (with and without a move originator, odd and even UIDs) and responses."""
    for instance in ("1.2.3.4", "1.2.826.0.1.3680043.8.498.123456789"):
        for originator, originator_id in ((None, None), ("PORTAL", 3), ("STORE", 65535)):
            store = prim.C_STORE()
            store.MessageID, store.Priority, store.AffectedSOPClassUID = 7, 2, MRImageStorage
            store.AffectedSOPInstanceUID, store.DataSet = instance, BytesIO(b"\x08\x00\x16\x00")
            store.MoveOriginatorApplicationEntityTitle, store.MoveOriginatorMessageID = originator, originator_id
            yield store
        for status in (0x0000, 0xB000, 0xA700):
            rsp = prim.C_STORE()
            rsp.MessageIDBeingRespondedTo, rsp.AffectedSOPClassUID = 5, MRImageStorage
            rsp.AffectedSOPInstanceUID, rsp.Status = instance, status
            yield rsp
    bare = prim.C_STORE()  # a response without the conditional UIDs
    bare.MessageIDBeingRespondedTo, bare.Status = 1, 0x0000
    yield bare


def _name(p: Any) -> str:
    kind = "rsp" if p.MessageIDBeingRespondedTo is not None else "rq"
    return f"{type(p).__name__}-{kind}-{getattr(p, 'AffectedSOPInstanceUID', None) or p.AffectedSOPClassUID}-{p.Status}"


@pytest.mark.parametrize("primitive", [*_responses(), *_stores()], ids=_name)
def test_command_sets_from_templates_are_written_as_pynetdicom_does(primitive):
    table = _RQ_TO_MESSAGE if primitive.MessageIDBeingRespondedTo is None else _RSP_TO_MESSAGE
    msg = table[type(primitive)]()
    msg.primitive_to_message(primitive)
    written = commands.write(primitive)
    assert written is not None
    assert written.message is type(msg) and written.command == encode(msg.command_set, True, True)
    assert written.data_set is msg.data_set or written.data_set.getvalue() == msg.data_set.getvalue() == b""
    reported = commands.sent_message(written, 3)  # what EVT_DIMSE_SENT carries
    assert isinstance(reported, type(msg)) and type(reported).__name__ == type(msg).__name__
    assert reported.context_id == 3 and reported.data_set is written.data_set
    expected = [(e.tag, e.keyword, e.value) for e in msg.command_set]
    assert sorted(commands.values(reported).items()) == sorted((k, v) for _, k, v in expected)  # nothing decoded
    assert "_command_set" not in reported.__dict__
    assert [(e.tag, e.keyword, e.value) for e in reported.command_set] == expected  # decoded when asked for
    assert commands.values(msg) == commands.values(reported)


def test_other_messages_are_left_to_pynetdicom():
    failed = list(_primitives())[3]  # an error comment and an offending element
    request = prim.C_FIND()
    request.MessageID, request.AffectedSOPClassUID, request.Priority = 1, "1.2.3", 0
    commented = list(_primitives())[4]  # a C-STORE-RSP with an error comment
    assert commands.write(failed) is None and commands.write(request) is None and commands.write(commented) is None
    assert commands.write(list(_primitives())[2]) is None  # a C-MOVE request
    chunked = next(_primitives())
    chunked._dataset_path = ("/x.dcm", 132)  # a data set sent from its file: pynetdicom streams it
    assert commands.write(chunked) is None


def test_part10_is_the_encoded_dataset_pynetdicom_builds():
    class Context:
        transfer_syntax = ExplicitVRLittleEndian

    for uid in ("1.2.3.4", "1.2.3.45"):  # even and odd lengths (padding)
        req = next(_primitives())
        req.AffectedSOPInstanceUID = uid
        event = Event(object(), evt.EVT_C_STORE, {"request": req, "context": Context()})  # type: ignore[arg-type]
        assert part10(event) == event.encoded_dataset()


def test_frames_respect_the_peer_limit():
    parts: list[Any] = []
    _frame(parts, 3, bytes(range(256)) * 100, command=False, max_pdu=4096)
    stream = b"".join(bytes(p) for p in parts)
    offset, payload, controls = 0, b"", []
    while offset < len(stream):
        kind, _, length, item, cx, control = struct.unpack(">BBLLBB", stream[offset:offset + 12])
        assert kind == 4 and length <= 4096 and item == length - 4 and cx == 3
        payload += stream[offset + 12: offset + 6 + length]
        controls.append(control)
        offset += 6 + length
    assert payload == bytes(range(256)) * 100 and controls[-1] == 2 and set(controls[:-1]) == {0}


def test_encoded_dataset_sent_as_stored_or_converted(tmp_path):
    """Explicit VR files go out byte for byte; a requestor that accepts Implicit VR only gets
    the same data set, converted by pydicom."""
    with dicom_sandbox(tmp_path / "home") as (sandbox, scps):
        _, instances = study_in_pacs(sandbox, "MR", 1)
        with sandbox.db.session() as session:
            entry = pacs_catalogue(session, {"sop_uid": [instances[0].sop_instance_uid]})[0]
        sent = qr.stored_dataset(sandbox, entry)
        assert isinstance(sent, EncodedDataset)
        assert instances[0].data.endswith(sent.encoded) and sent.SOPInstanceUID == instances[0].sop_instance_uid
        again = qr.stored_dataset(sandbox, entry)  # the same label, not the same elements' mapping
        again.SOPInstanceUID = "1.2.3"
        assert sent.SOPInstanceUID == instances[0].sop_instance_uid and sent.SOPClassUID == MRImageStorage
        assert sent.file_meta.TransferSyntaxUID == sent.syntax
        for syntax in (ExplicitVRLittleEndian, ImplicitVRLittleEndian):
            received: list[bytes] = []

            def on_store(event: evt.Event) -> int:
                received.append(event.encoded_dataset())
                return 0

            ae = AE(ae_title="PORTAL")
            ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
            ae.add_requested_context(MRImageStorage, [syntax])
            assoc = ae.associate("127.0.0.1", scps["hospital"].port, ae_title="HOSP_PACS",
                                 ext_neg=[build_role(MRImageStorage, scp_role=True)],
                                 evt_handlers=[(evt.EVT_C_STORE, on_store)])
            assert assoc.is_established
            for _ in assoc.send_c_get(study_identifier(instances[0].study_uid), StudyRootQueryRetrieveInformationModelGet):
                pass
            assoc.release()
            assert len(received) == len(instances)
            by_uid = {dcmread(BytesIO(r)).SOPInstanceUID: r for r in received}
            for inst in instances:
                got = by_uid[inst.sop_instance_uid]
                assert dcmread(BytesIO(got)).file_meta.TransferSyntaxUID == syntax
                assert same_dataset(got, inst.data)
                if syntax == ExplicitVRLittleEndian:  # the very bytes stored, after the file meta
                    assert _body(got) == _body(inst.data)


def _body(data: bytes) -> bytes:
    fp = BytesIO(data)
    read_preamble(fp, False)
    read_dataset(fp, is_implicit_VR=False, is_little_endian=True, stop_when=lambda tag, vr, length: tag.group != 2)
    return data[fp.tell():]


def _received(primitive: Any, context_id: int = 5) -> Any:
    """``primitive`` as the peer's DUL hands it to the DIMSE provider: a message decoded from its PDVs."""
    from pynetdicom.dimse_messages import DIMSEMessage
    from pynetdicom.pdu_primitives import P_DATA

    table = _RQ_TO_MESSAGE if primitive.MessageIDBeingRespondedTo is None else _RSP_TO_MESSAGE
    msg = table[type(primitive)]()
    msg.primitive_to_message(primitive)
    pdvs = [[context_id, b"\x03" + encode(msg.command_set, True, True)]]
    if msg.command_set.CommandDataSetType != 0x0101:
        pdvs.append([context_id, b"\x02" + msg.data_set.getvalue()])
    received = DIMSEMessage()
    for pdv in pdvs:
        p_data = P_DATA()
        p_data.presentation_data_value_list = [pdv]
        done = received.decode_msg(p_data)
    assert done
    return received


_PARAMETERS = ("MessageID", "MessageIDBeingRespondedTo", "AffectedSOPClassUID", "AffectedSOPInstanceUID", "Priority",
               "Status", "MoveOriginatorApplicationEntityTitle", "MoveOriginatorMessageID", "ErrorComment",
               "OffendingElement", "_context_id", "_dataset_path", "_dataset_file")


def _parameters(primitive: Any) -> dict[str, Any]:
    out = {k: getattr(primitive, k) for k in _PARAMETERS if hasattr(primitive, k)}
    for k in ("DataSet", "Identifier"):
        value = getattr(primitive, k, None)
        out[k] = value.getvalue() if value is not None else None
    return out


def _requests() -> Iterator[Any]:
    for cls, sop in ((prim.C_FIND, "1.2.840.10008.5.1.4.1.2.2.1"), (prim.C_GET, StudyRootQueryRetrieveInformationModelGet)):
        rq = cls()
        rq.MessageID, rq.Priority, rq.AffectedSOPClassUID, rq.Identifier = 65535, 0, sop, BytesIO(b"\x08\x00\x52\x00")
        yield rq


@pytest.mark.parametrize("primitive", [*_stores(), *_requests()], ids=_name)
def test_received_messages_are_read_as_pynetdicom_does(primitive):
    from reference.transports.dicom import patches, uids

    patches.install()
    expected = _parameters(patches._pynetdicom_message_to_primitive(_received(primitive)))
    for uid in (primitive.AffectedSOPClassUID, getattr(primitive, "AffectedSOPInstanceUID", None)):
        if uid:
            uids.set_uid(str(uid), "checked once")
    read = commands.read(_received(primitive))
    originator = getattr(primitive, "MoveOriginatorApplicationEntityTitle", None)
    if originator:  # an AE title: left to pynetdicom
        assert read is None
        return
    assert read is not None and type(read) is type(primitive)
    assert _parameters(read) == expected


def test_received_messages_left_to_pynetdicom(monkeypatch):
    from reference.transports.dicom import uids

    monkeypatch.setattr(uids, "_known", {})  # no UID checked before
    rsp = list(_stores())[3]  # a C-STORE-RSP
    assert commands.read(_received(rsp)) is None
    uids.set_uid(str(rsp.AffectedSOPClassUID), "x")
    uids.set_uid(str(rsp.AffectedSOPInstanceUID), "x")
    assert commands.read(_received(rsp)) is not None
    commented = list(_primitives())[4]  # an error comment
    uids.set_uid("1.2.3", "x")
    assert commands.read(_received(commented)) is None
    assert commands.read(_received(list(_primitives())[2])) is None  # a C-MOVE request (its destination: AE)
    assert commands.read(_received(list(_responses())[0])) is None  # a C-FIND response: not one of RECEIVED


@pytest.mark.parametrize("primitive", [*list(_stores())[3:6], list(_primitives())[4], prim.C_STORE()], ids=_name)
def test_status_data_sets_are_pynetdicoms(primitive):
    from reference.transports.dicom import patches

    class Assoc:
        aborted = False

        def abort(self) -> None:
            self.aborted = True

    ours, theirs = Assoc(), Assoc()
    got = patches._check_received_status(ours, primitive)  # type: ignore[arg-type]
    expected = patches._pynetdicom_check_received_status(theirs, primitive)  # type: ignore[arg-type]
    assert [(e.tag, e.VR, e.value) for e in got] == [(e.tag, e.VR, e.value) for e in expected]
    assert got.get("Status") == (primitive.Status if primitive.is_valid_response else None)
    assert ours.aborted == theirs.aborted == (not primitive.is_valid_response)
