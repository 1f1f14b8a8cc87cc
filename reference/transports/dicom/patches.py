"""The documented patches of pynetdicom 3.0.x that keep sending and receiving cheap, installed
explicitly by whoever starts an SCP or a client (``scp.start_scp``, ``client.DicomClient``):
importing this module changes nothing.

pynetdicom is pinned to 3.0.x (``pyproject.toml``): each patch replaces one internal whose
shape is that release's, and ``install()`` refuses another minor version rather than send
wrong bytes.  ``tests/dicom/test_net.py`` checks the encoders byte for byte against
pynetdicom's own.  What is replaced (seventeen internals and two settings):

1. ``_config.STORE_SEND_CHUNKED_DATASET``: files sent by path are streamed, not decoded
   (and ``LOG_REQUEST_IDENTIFIERS`` / ``LOG_RESPONSE_IDENTIFIERS`` / ``LOG_HANDLER_LEVEL``: pynetdicom
   formats identifiers, messages and PDUs for its log only when its logger shows INFO);
2. ``AssociationSocket._shutdown_socket``: always close the socket (3.0.4 leaks it when
   ``shutdown()`` raises, as it does on a refused connection);
3. ``association.encode``: an ``net.EncodedDataset`` goes out as its stored bytes,
   and ``service_class.encode``: a sealed ``EncodedReply`` (a kept C-FIND reply) as its bytes;
4. ``DIMSEServiceProvider.send_msg``: all P-DATA-TF PDUs of a message framed at once, the command
   set of a C-STORE-RQ/RSP or C-FIND/GET/MOVE-RSP written from its template (``commands.py``);
5. and 6. ``fsm.ACTIONS["DT-1"]`` and ``["AR-7"]``: such a framed message written in one call
   (or, established and nothing queued, by the sending thread itself: ``_deliver``);
7. ``dimse_messages.encode``: command sets (group 0000) written directly;
8. ``AssociationSocket.recv``: a PDU read into one buffer instead of 4 KB appends, and
   ``AssociationSocket.send`` under a per-socket lock (``send_lock``);
9. ``DULServiceProvider._read_pdu_data``: the PDU length bounded before it is read (a peer
   announcing 1 GiB is aborted, not allocated for);
10. to 13. ``DULServiceProvider.run_reactor`` and ``send_pdu``, ``Association._run_reactor`` and
   ``kill``: event-driven instead of polling every 1 ms (``reactors.py``);
14. ``AssociationServer.service_actions``: a young-generation garbage collection where pynetdicom
   runs a full one (``_young_collection``), and ``AssociationServer.request_queue_size``: a listen
   backlog of ``LISTEN_BACKLOG`` instead of socketserver's 5 (``scp.py`` serves from it);
15. ``utils.set_uid`` (and its imports in five modules): a UID that passed every check before is
   not checked again (``uids.py``);
16. ``DIMSEMessage.message_to_primitive``: a received C-STORE-RSP or C-FIND/GET/STORE-RQ read from
   its raw command set (``commands.read``);
17. ``Association._check_received_status``: a response's status data set made with its one element
   directly when it carries nothing else.
"""
from __future__ import annotations

import gc
import logging
import socket
import struct
import threading
from typing import Any

import pynetdicom
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.tag import Tag
from pynetdicom import _config, association, dimse, dimse_messages, dul, evt, fsm, service_class, transport
from pynetdicom.pdu_primitives import P_DATA
from pynetdicom.transport import AssociationSocket

from . import commands, reactors, uids
from .net import MAX_PDU, EncodedDataset

LOGGER = logging.getLogger("imgcloud.dicom")

PINNED = "3.0."
_installed = False
_lock = threading.Lock()


def _shutdown_and_close(self: AssociationSocket) -> None:
    """pynetdicom 3.0.4's ``_shutdown_socket`` skips ``close()`` when ``shutdown()`` raises
    (always, on a connection that was refused), leaking the socket (ResourceWarning); close it
    whatever ``shutdown()`` does."""
    sock = self.socket
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass




_pynetdicom_encode = association.encode


def _encode_stored(ds: Dataset, is_implicit_vr: bool, is_little_endian: bool, deflated: bool = False) -> bytes | None:
    """``pynetdicom.association.encode`` (used by ``Association.send_c_store`` and the other
    ``send_*`` methods, not by the service classes): an ``EncodedDataset`` whose encoding is
    the accepted one is sent as its stored bytes — no element is decoded or re-encoded;
    any other dataset (or another transfer syntax) is encoded by pynetdicom as before."""
    if isinstance(ds, EncodedDataset):
        if not deflated and not ds.syntax.is_deflated and is_implicit_vr == ds.syntax.is_implicit_VR \
                and is_little_endian == ds.syntax.is_little_endian:
            return ds.encoded
        ds = ds.full()
    return _pynetdicom_encode(ds, is_implicit_vr, is_little_endian, deflated)


class EncodedReply(Dataset):
    """A C-FIND reply identifier that carries its own encoding (``seal``): ``encoded``, the bytes
    pydicom wrote for it once in ``syntax`` (implicit VR, little endian).  A kept reply
    (``qr.FindCache``) is sent again and again unchanged, so pynetdicom's C-FIND service
    (``_encode_reply``) sends those bytes instead of writing the data set again for every query;
    nothing may change the elements once sealed."""

    def seal(self, is_implicit_vr: bool, is_little_endian: bool) -> EncodedReply:
        """Encode the reply once, as pynetdicom would (``dsutils.encode``); left unsealed when
        pydicom cannot write it (pynetdicom then fails it as before: 0xC312)."""
        encoded = _pynetdicom_encode(self, is_implicit_vr, is_little_endian, False)
        if encoded:
            self.__dict__["_imgcloud_encoded"] = (is_implicit_vr, is_little_endian, encoded)
        return self

    @property
    def encoded(self) -> bytes | None:
        sealed = self.__dict__.get("_imgcloud_encoded")
        return sealed[2] if sealed is not None else None


def _encode_reply(ds: Dataset, is_implicit_vr: bool, is_little_endian: bool, deflated: bool = False) -> bytes | None:
    """``pynetdicom.service_class.encode`` (the identifiers of C-FIND and other responses): a sealed
    ``EncodedReply`` in the syntax it was sealed for goes out as its bytes; anything else is
    encoded by pynetdicom as before."""
    sealed = ds.__dict__.get("_imgcloud_encoded") if isinstance(ds, EncodedReply) else None
    if sealed is not None and not deflated and sealed[0] == is_implicit_vr and sealed[1] == is_little_endian:
        return sealed[2]
    return _pynetdicom_encode(ds, is_implicit_vr, is_little_endian, deflated)




# -- one socket write per DIMSE message -------------------------------------------------------
# pynetdicom hands every P-DATA-TF PDU of a message (33 for a 514 KB instance at DCMTK's 16 KB
# PDUs) from the sending thread to the DUL thread through two queues and a state-machine
# action each.  ``_send_msg`` frames the whole message (command and data set fragments, the
# peer's maximum PDU length respected) into one ``EncodedPData``, the state machine's P-DATA
# actions (DT-1 in Sta6, AR-7 in Sta8) write it in one call, in order, as before.
_PDV = struct.Struct(">BBLLBB")  # PDU type 4, reserved, PDU length, PDV item length, context ID, control header


class EncodedPData(P_DATA):
    """P-DATA request whose P-DATA-TF PDUs are already encoded (``encoded``)."""

    def __init__(self, encoded: bytes) -> None:
        super().__init__()
        self.encoded = encoded


def _frame(parts: list[Any], context_id: int, payload: bytes, *, command: bool, max_pdu: int) -> None:
    """Append the PDUs carrying ``payload`` (PS3.8 E.2: message control header bit 0 command,
    bit 1 last fragment), one PDV per PDU of at most ``max_pdu`` bytes (0: unlimited)."""
    size = max_pdu - 6 if max_pdu else max(len(payload), 1)
    view, total = memoryview(payload), len(payload)
    for offset in range(0, total, size):
        chunk = view[offset:offset + size]
        control = (1 if command else 0) | (2 if offset + size >= total else 0)
        parts.append(_PDV.pack(4, 0, len(chunk) + 6, len(chunk) + 2, context_id, control))
        parts.append(chunk)


_pynetdicom_send_msg = dimse.DIMSEServiceProvider.send_msg


_pynetdicom_message_to_primitive = dimse_messages.DIMSEMessage.message_to_primitive


def _message_to_primitive(self: dimse_messages.DIMSEMessage) -> Any:
    """``DIMSEMessage.message_to_primitive`` (on the DUL thread, for each message received): a
    C-STORE-RSP or a C-FIND/GET/STORE-RQ read from its raw command set (``commands.read``),
    anything else by pynetdicom."""
    primitive = commands.read(self)
    return primitive if primitive is not None else _pynetdicom_message_to_primitive(self)


_pynetdicom_check_received_status = association.Association._check_received_status
_STATUS = Tag(0x0000, 0x0900)


def _check_received_status(self: association.Association, rsp: Any) -> Dataset:
    """``Association._check_received_status`` (``send_c_store`` calls it for each sub-operation of
    a C-GET or C-MOVE): the status data set of a valid response carrying only a Status made with
    its one element directly (pynetdicom's keyword assignment: ~40 µs); anything else (an error
    comment, an offending element, an invalid response: logged and aborted) by pynetdicom."""
    if not rsp.is_valid_response or type(rsp.Status) is not int \
            or any(getattr(rsp, k, None) is not None for k in rsp.STATUS_OPTIONAL_KEYWORDS):
        return _pynetdicom_check_received_status(self, rsp)
    status = Dataset()
    status[_STATUS] = DataElement(_STATUS, "US", rsp.Status)
    return status


def _send_msg(self: dimse.DIMSEServiceProvider, primitive: Any, context_id: int) -> None:
    """``DIMSEServiceProvider.send_msg``, the message's PDUs handed to the DUL in one piece
    (EVT_DIMSE_SENT fires as before; EVT_PDU_SENT does not fire for these PDUs).  The command
    set of a C-STORE-RQ/RSP or a C-FIND/GET/MOVE-RSP is written from its template
    (``commands.write``); any other message's is built by pynetdicom and written directly."""
    written = commands.write(primitive)
    msg: Any
    if written is not None:
        command, msg = written.command, commands.sent_message(written, context_id)
    else:
        if primitive.MessageIDBeingRespondedTo is None:
            msg = dimse._RQ_TO_MESSAGE[primitive.__class__]()
        else:
            msg = dimse._RSP_TO_MESSAGE[primitive.__class__]()
        msg.primitive_to_message(primitive)
        if msg._data_set_path is not None:  # a data set sent from its file in chunks: pynetdicom's way
            return _pynetdicom_send_msg(self, primitive, context_id)
        encoded = _encode_command(msg.command_set, True, True)
        assert encoded is not None  # implicit VR little endian always encodes
        command, msg.context_id = encoded, context_id
    evt.trigger(self.assoc, evt.EVT_DIMSE_SENT, {"message": msg})
    max_pdu = int(self.maximum_pdu_size or 0)
    parts: list[Any] = []
    _frame(parts, context_id, command, command=True, max_pdu=max_pdu)
    data = msg.data_set.getvalue() if msg.data_set is not None else b""
    if data:
        _frame(parts, context_id, data, command=False, max_pdu=max_pdu)
    _deliver(self.dul, b"".join(parts))


# -- a message written by the thread that sends it ------------------------------------------------
# Handing each message to the DUL thread costs a thread switch (and a GIL hand-off) per message:
# half of a STUDY-level C-FIND's time in the profile.  When the association is established (Sta6)
# and nothing waits in the DUL's queue, the sending thread writes the PDUs itself, holding the
# socket's send lock, which every write on the socket (the DUL's included) and the DUL's P-DATA
# actions (from taking the primitive off its queue to writing it) also hold: no two writes
# interleave and a queued message is never overtaken.  In any other state the message goes
# through the DUL's state machine as before (DT-1 / AR-7).
def send_lock(sock: Any) -> threading.RLock:
    """The lock every write on ``sock`` (an ``AssociationSocket``) holds."""
    lock: threading.RLock | None = sock.__dict__.get("_imgcloud_send_lock")
    if lock is None:
        lock = sock.__dict__.setdefault("_imgcloud_send_lock", threading.RLock())
    return lock


def _deliver(dul: Any, encoded: bytes) -> None:
    sock = dul.socket
    if sock is not None:
        with send_lock(sock):
            if dul.state_machine.current_state == "Sta6" and not dul.to_provider_queue.queue \
                    and sock.socket is not None:
                sock.send(encoded)  # as DT-1 would: EVT_DATA_SENT, or Evt17 when the connection is gone
                return
    dul.send_pdu(EncodedPData(encoded))


_pynetdicom_socket_send = AssociationSocket.send


def _send_locked(self: AssociationSocket, bytestream: bytes) -> None:
    """``AssociationSocket.send`` under the socket's send lock."""
    with send_lock(self):
        _pynetdicom_socket_send(self, bytestream)


def _p_data_action(original: Any) -> Any:
    def action(dul: Any) -> str:
        with send_lock(dul.socket) if dul.socket is not None else threading.RLock():
            primitive = dul.to_provider_queue.queue[0]
            if not isinstance(primitive, EncodedPData):
                return str(original(dul))
            dul.to_provider_queue.get(False)
            if dul.socket is not None:
                dul.socket.send(primitive.encoded)
            return next_state
    next_state = {fsm.DT_1: "Sta6", fsm.AR_7: "Sta8"}[original]
    return action




# -- command sets encoded directly --------------------------------------------------------------
_pynetdicom_command_encode = dimse_messages.encode
_TEXT_PAD = {"UI": b"\0", "AE": b" ", "CS": b" ", "SH": b" ", "LO": b" ", "ST": b" "}
_INTS = {"US": "H", "UL": "L"}


def _encode_command(ds: Dataset, is_implicit_vr: bool, is_little_endian: bool, deflated: bool = False) -> bytes | None:
    """``encode`` for a DIMSE command set (group 0000, implicit VR little endian, PS3.7 6.3.1):
    US/UL/UI/AE/CS/SH/LO/ST elements written directly, byte for byte what pydicom writes;
    anything else (another VR, a non-ASCII text) is left to pydicom."""
    if not (is_implicit_vr and is_little_endian) or deflated:
        return _pynetdicom_command_encode(ds, is_implicit_vr, is_little_endian, deflated)
    parts: list[bytes] = []
    for elem in ds:
        tag, vr, value = elem.tag, elem.VR, elem.value
        if tag >> 16:
            return _pynetdicom_command_encode(ds, is_implicit_vr, is_little_endian, deflated)
        if value is None or value == "" or (isinstance(value, (list, MultiValue)) and not value):
            data = b""
        elif vr in _INTS:
            values = list(value) if isinstance(value, (list, tuple, MultiValue)) else [value]
            data = struct.pack(f"<{len(values)}{_INTS[vr]}", *values)
        elif vr in _TEXT_PAD and isinstance(value, str):
            if not value.isascii():
                return _pynetdicom_command_encode(ds, is_implicit_vr, is_little_endian, deflated)
            data = value.encode("ascii")
            if len(data) % 2:
                data += _TEXT_PAD[vr]
        else:
            return _pynetdicom_command_encode(ds, is_implicit_vr, is_little_endian, deflated)
        parts.append(struct.pack("<HHL", tag >> 16, tag & 0xFFFF, len(data)))
        parts.append(data)
    return b"".join(parts)




# -- socket reads into one buffer ---------------------------------------------------------------
def _recv(self: AssociationSocket, nr_bytes: int) -> bytearray:
    """``AssociationSocket.recv``: read ``nr_bytes`` into one buffer (pynetdicom reads 4 KB at a
    time and appends); returns what arrived before the peer closed, as before."""
    buffer = bytearray(nr_bytes)
    view, got = memoryview(buffer), 0
    sock = self.socket
    while got < nr_bytes:
        n = sock.recv_into(view[got:], nr_bytes - got)  # type: ignore[union-attr]
        if not n:
            del view
            return buffer[:got]
        got += n
    return buffer


#: PDU types of PS3.8 §9.3 (A-ASSOCIATE-RQ … A-ABORT).
_PDU_TYPES = range(0x01, 0x08)
#: Longest non-P-DATA PDU accepted (an A-ASSOCIATE-RQ with many contexts and a user identity).
ASSOCIATION_PDU_LIMIT = 256 * 1024


def pdu_limit(dul: Any, pdu_type: int) -> int:
    """The longest PDU (after its 6-byte header) read from a peer: for P-DATA-TF our announced
    maximum receive length (PS3.8 D.1; 0 announces "unlimited": ``MAX_PDU`` then), otherwise
    ``ASSOCIATION_PDU_LIMIT``."""
    if pdu_type != 0x04:
        return ASSOCIATION_PDU_LIMIT
    announced = int(getattr(dul.assoc, "acceptor" if dul.assoc.is_acceptor else "requestor").maximum_length or 0)
    return max(announced, MAX_PDU) + 6


def _read_pdu_data(self: Any) -> None:
    """``DULServiceProvider._read_pdu_data`` with the PDU length judged before anything is read or
    allocated: a length over ``pdu_limit`` is an invalid PDU (Evt19: the state machine answers
    A-ABORT and closes), so a peer announcing 1 GiB costs nothing; a read that times out or
    ends early is a closed connection (Evt17), as in pynetdicom."""
    sock = self.socket
    try:
        header = sock.recv(6)
    except OSError:
        self.event_queue.put("Evt17")
        return
    if len(header) != 6:
        self.event_queue.put("Evt17")
        return
    pdu_type, _, length = struct.unpack(">BBL", header)
    if pdu_type not in _PDU_TYPES or length > pdu_limit(self, pdu_type):
        LOGGER.warning("refusing a PDU of type 0x%02X announcing %d bytes", pdu_type, length)
        self.event_queue.put("Evt19")
        return
    try:
        body = sock.recv(length)
    except OSError:
        self.event_queue.put("Evt17")
        return
    if len(body) != length:
        self.event_queue.put("Evt17")
        return
    try:
        pdu, event = self._decode_pdu(bytearray(header) + body)
    except Exception:
        LOGGER.warning("an undecodable PDU of type 0x%02X", pdu_type, exc_info=True)
        self.event_queue.put("Evt19")
        return
    self.event_queue.put(event)
    self._recv_pdu.put(pdu)


# -- the association server under load ------------------------------------------------------------
#: Connections the kernel queues for an SCP before its acceptor takes them.  socketserver's 5
#: overflowed with 20 load-test workstations opening associations at once on a busy machine: the
#: kernel dropped the surplus SYNs and each of those clients waited the 1 s TCP retransmission (30
#: clients opening associations back to back: 10 % of set-ups over 0.9 s with 5, none with 128).
#: 128: Linux's default ``somaxconn``.
LISTEN_BACKLOG = 128


def _young_collection(self: Any) -> None:
    """``AssociationServer.service_actions`` (called by ``serve_forever`` after each accepted
    connection and each 0.5 s poll): every 60th call pynetdicom runs ``gc.collect()``, a full
    collection holding the GIL for the whole process — ~0.2 s each in the served sandbox, whose
    heap is large (3 SCPs do it; with ``--workers 1`` its HTTP server stalls too), 5 % of the SCP
    process's time under a 20-workstation load.  What it is for — association threads' reference
    cycles — is young: collecting generations 0 and 1 frees them; the interpreter's own
    thresholds still run the full collections."""
    if self._gc[0] >= self._gc[1]:
        gc.collect(1)
        self._gc[0] = 0
        return
    self._gc[0] += 1


def install() -> None:
    """Install every patch, once per process (idempotent, thread-safe)."""
    global _installed
    with _lock:
        if _installed:
            return
        if not pynetdicom.__version__.startswith(PINNED):
            raise RuntimeError(f"reference/transports/dicom/patches.py is written for pynetdicom {PINNED}x, "
                               f"found {pynetdicom.__version__}; install the pinned version (pyproject.toml)")
        _config.STORE_SEND_CHUNKED_DATASET = True
        # pynetdicom formats every C-FIND/GET/MOVE identifier (request and each pending response) into
        # its INFO log whether or not anything listens: only when its logger would show them (the
        # exchange log records every identifier anyway)
        verbose = logging.getLogger("pynetdicom").isEnabledFor(logging.INFO)
        _config.LOG_REQUEST_IDENTIFIERS = _config.LOG_RESPONSE_IDENTIFIERS = verbose
        # the same for its "standard" handlers, which format every DIMSE message and PDU for its log
        _config.LOG_HANDLER_LEVEL = "standard" if verbose else "none"
        AssociationSocket._shutdown_socket = _shutdown_and_close  # type: ignore[method-assign]
        association.encode = _encode_stored
        service_class.encode = _encode_reply
        dimse.DIMSEServiceProvider.send_msg = _send_msg  # type: ignore[method-assign]
        for name in ("DT-1", "AR-7"):
            description, action, state = fsm.ACTIONS[name]
            fsm.ACTIONS[name] = (description, _p_data_action(action), state)
        dimse_messages.encode = _encode_command
        dimse_messages.DIMSEMessage.message_to_primitive = _message_to_primitive  # type: ignore[method-assign]
        association.Association._check_received_status = _check_received_status  # type: ignore[method-assign]
        AssociationSocket.recv = _recv  # type: ignore[method-assign]
        AssociationSocket.send = _send_locked  # type: ignore[method-assign]
        dul.DULServiceProvider._read_pdu_data = _read_pdu_data  # type: ignore[method-assign]
        transport.AssociationServer.service_actions = _young_collection  # type: ignore[method-assign]
        transport.AssociationServer.request_queue_size = LISTEN_BACKLOG
        reactors.install()
        uids.install()
        _installed = True
