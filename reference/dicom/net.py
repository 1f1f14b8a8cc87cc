"""Shared DICOM plumbing: socket options, presentation contexts, status codes (as data), and
the few documented patches of pynetdicom 3.0.4 that keep sending and receiving cheap (end of
this module): stored data sets sent as stored, one socket write per DIMSE message, command
sets encoded directly, socket reads into one buffer, sockets always closed."""
from __future__ import annotations

import socket
import struct
from io import BytesIO
from typing import Any

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.uid import UID
from pynetdicom import (
    PYNETDICOM_IMPLEMENTATION_UID,
    PYNETDICOM_IMPLEMENTATION_VERSION,
    _config,
    association,
    dimse,
    dimse_messages,
    evt,
    fsm,
)
from pynetdicom.dsutils import decode
from pynetdicom.pdu_primitives import P_DATA
from pynetdicom.transport import AssociationSocket
from pynetdicom.sop_class import (
    ComputedRadiographyImageStorage,
    CTImageStorage,
    DigitalMammographyXRayImageStorageForPresentation,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
    EncapsulatedPDFStorage,
    EnhancedCTImageStorage,
    EnhancedMRImageStorage,
    MRImageStorage,
    MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
    MultiFrameTrueColorSecondaryCaptureImageStorage,
    NuclearMedicineImageStorage,
    PatientRootQueryRetrieveInformationModelFind,
    PatientRootQueryRetrieveInformationModelGet,
    PatientRootQueryRetrieveInformationModelMove,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    PositronEmissionTomographyImageStorage,
    SecondaryCaptureImageStorage,
    UltrasoundImageStorage,
    UltrasoundMultiFrameImageStorage,
    VLEndoscopicImageStorage,
    VLPhotographicImageStorage,
    XRayAngiographicImageStorage,
    XRayRadiofluoroscopicImageStorage,
)
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

#: Files sent by path (``send_c_store(path)``, ``imgcloud dicom store``) are streamed from the
#: file without decoding; retrieved instances go out as ``EncodedDataset`` (below); received ones
#: are kept as the peer encoded them (``part10``).
_config.STORE_SEND_CHUNKED_DATASET = True

#: Uncompressed, unencrypted transfer syntaxes: all the archive accepts (seeds/004 §3.2.3.2.1
#: "DICOM文件不能经过特殊格式压缩、加密") and what our SCUs propose.
UNCOMPRESSED = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]

#: Query/Retrieve information models (PS3.4 C.6): name -> (FIND, GET, MOVE) SOP classes.
QR_MODELS: dict[str, tuple[str, str, str]] = {
    "study": (StudyRootQueryRetrieveInformationModelFind, StudyRootQueryRetrieveInformationModelGet,
              StudyRootQueryRetrieveInformationModelMove),
    "patient": (PatientRootQueryRetrieveInformationModelFind, PatientRootQueryRetrieveInformationModelGet,
                PatientRootQueryRetrieveInformationModelMove),
}

#: Storage SOP classes the sandbox generates (sim/synth/dicom.py) and those a PACS commonly
#: sends: CT, MR, CR/DX/MG, US, NM, PET, XA/RF, endoscopy/photo, secondary capture for
#: scanned request forms, encapsulated PDF (PS3.4 B.5).
STORAGE_CLASSES = [
    CTImageStorage, EnhancedCTImageStorage, MRImageStorage, EnhancedMRImageStorage,
    ComputedRadiographyImageStorage, DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing, DigitalMammographyXRayImageStorageForPresentation,
    UltrasoundImageStorage, UltrasoundMultiFrameImageStorage, NuclearMedicineImageStorage,
    PositronEmissionTomographyImageStorage, XRayAngiographicImageStorage, XRayRadiofluoroscopicImageStorage,
    VLEndoscopicImageStorage, VLPhotographicImageStorage, SecondaryCaptureImageStorage,
    MultiFrameGrayscaleByteSecondaryCaptureImageStorage, MultiFrameTrueColorSecondaryCaptureImageStorage,
    EncapsulatedPDFStorage,
]
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"

#: Maximum PDU length we announce for what we receive (PS3.8 D.1): 1 MiB, so a typical
#: instance (a CT slice is ~0.5 MB) arrives in one P-DATA-TF PDU, yet no PDU is unbounded;
#: what we send is cut to each peer's own limit (DCMTK announces 16 KB by default).
MAX_PDU = 1024 * 1024

#: DIMSE statuses this package answers with (PS3.4 B.2.3, C.4.2.1.5, C.4.3.1.5; PS3.7 C).
STATUS = {
    "success": 0x0000,
    "pending": 0xFF00,
    "not_authorized": 0x0124,          # PS3.7 C.5.x Refused: Not Authorized
    "data_set_mismatch": 0xA900,       # PS3.4 B.2.3 Error: Data Set does not match SOP Class
    "cannot_understand": 0xC000,       # PS3.4 B.2.3 Error: Cannot understand
    "move_destination_unknown": 0xA801,  # PS3.4 C.4.2.1.5 Refused: Move Destination unknown
    "identifier_mismatch": 0xA900,     # PS3.4 C.4.1.1.4 Identifier does not match SOP Class
    "unable_to_process": 0xC001,       # PS3.4 C.4 Failed: Unable to process
    "out_of_resources": 0xA700,
}

#: A-ASSOCIATE-RJ reasons (PS3.8 §9.3.4, table 9-21), (source, reason) -> text.
REJECT_REASONS = {
    (1, 1): "no reason given", (1, 2): "application context name not supported",
    (1, 3): "calling AE title not recognised", (1, 7): "called AE title not recognised",
    (2, 1): "no reason given", (2, 2): "protocol version not supported",
    (3, 1): "temporary congestion", (3, 2): "local limit exceeded",
}


def nodelay(event: evt.Event) -> None:
    """EVT_CONN_OPEN: disable Nagle on the association socket (each DIMSE exchange would
    otherwise stall ~40 ms on delayed ACKs)."""
    sock = getattr(getattr(event.assoc.dul, "socket", None), "socket", None)
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


NODELAY_HANDLERS: list[Any] = [(evt.EVT_CONN_OPEN, nodelay)]


def _meta_element(element: int, vr: bytes, value: bytes) -> bytes:
    if vr == b"OB":
        return struct.pack("<HH2s2xL", 2, element, vr, len(value)) + value
    return struct.pack("<HH2sH", 2, element, vr, len(value)) + value


def _padded(text: str, pad: bytes) -> bytes:
    data = text.encode("ascii")
    return data + pad if len(data) % 2 else data


def part10(event: evt.Event) -> bytes:
    """``event.encoded_dataset()`` of a C-STORE request: the data set as the peer encoded it,
    behind the preamble and the file meta pynetdicom would write (same elements and bytes),
    the file meta group written directly instead of through a pydicom dataset."""
    req = event.request
    body = b"".join((
        _meta_element(0x0001, b"OB", b"\x00\x01"),
        _meta_element(0x0002, b"UI", _padded(str(req.AffectedSOPClassUID), b"\0")),
        _meta_element(0x0003, b"UI", _padded(str(req.AffectedSOPInstanceUID), b"\0")),
        _meta_element(0x0010, b"UI", _padded(str(event.context.transfer_syntax), b"\0")),
        _meta_element(0x0012, b"UI", _padded(PYNETDICOM_IMPLEMENTATION_UID, b"\0")),
        _meta_element(0x0013, b"SH", _padded(PYNETDICOM_IMPLEMENTATION_VERSION, b" ")),
    ))
    return b"".join((b"\x00" * 128, b"DICM", struct.pack("<HH2sHL", 2, 0, b"UL", 4, len(body)), body,
                     req.DataSet.getvalue()))


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


AssociationSocket._shutdown_socket = _shutdown_and_close  # type: ignore[method-assign]


class EncodedDataset(Dataset):
    """A stored instance to send exactly as stored: the data set bytes after the file meta
    group, plus the few elements pynetdicom's ``send_c_store`` reads to pick the presentation
    context (SOP Class/Instance UID, file meta Transfer Syntax UID).  Yield it from a C-GET or
    C-MOVE handler; ``_encode_stored`` below sends ``encoded`` untouched when the accepted
    transfer syntax is the stored one, and parses and re-encodes it otherwise.  The elements
    it holds are only a label: changing them does not change what is sent (which is why the
    SCPs do not offer Composite Instance Retrieve Without Bulk Data: pynetdicom deletes bulk
    elements from the yielded dataset for it)."""

    def __init__(self, encoded: bytes, file_meta: FileMetaDataset, sop_class: str, sop_instance: str) -> None:
        super().__init__()
        syntax = UID(file_meta.TransferSyntaxUID)
        self.file_meta = file_meta
        self.SOPClassUID, self.SOPInstanceUID = sop_class, sop_instance
        self.set_original_encoding(syntax.is_implicit_VR, syntax.is_little_endian)
        self.encoded, self.syntax = encoded, syntax

    def full(self) -> Dataset:
        """The whole data set, parsed (element values stay raw until used)."""
        ds = decode(BytesIO(self.encoded), self.syntax.is_implicit_VR, self.syntax.is_little_endian,
                    self.syntax.is_deflated)
        ds.file_meta = self.file_meta
        return ds


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


association.encode = _encode_stored  # type: ignore[assignment]


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


def _send_msg(self: dimse.DIMSEServiceProvider, primitive: Any, context_id: int) -> None:
    """``DIMSEServiceProvider.send_msg``, the message's PDUs handed to the DUL in one piece
    (EVT_DIMSE_SENT fires as before; EVT_PDU_SENT does not fire for these PDUs)."""
    if primitive.MessageIDBeingRespondedTo is None:
        msg = dimse._RQ_TO_MESSAGE[primitive.__class__]()
    else:
        msg = dimse._RSP_TO_MESSAGE[primitive.__class__]()
    msg.primitive_to_message(primitive)
    if msg._data_set_path is not None:  # a data set sent from its file in chunks: pynetdicom's way
        return _pynetdicom_send_msg(self, primitive, context_id)
    msg.context_id = context_id
    evt.trigger(self.assoc, evt.EVT_DIMSE_SENT, {"message": msg})
    max_pdu = int(self.maximum_pdu_size or 0)
    parts: list[Any] = []
    _frame(parts, context_id, _encode_command(msg.command_set, True, True), command=True, max_pdu=max_pdu)
    data = msg.data_set.getvalue() if msg.data_set is not None else b""
    if data:
        _frame(parts, context_id, data, command=False, max_pdu=max_pdu)
    self.dul.send_pdu(EncodedPData(b"".join(parts)))


def _p_data_action(original: Any) -> Any:
    def action(dul: Any) -> str:
        primitive = dul.to_provider_queue.queue[0]
        if not isinstance(primitive, EncodedPData):
            return original(dul)
        dul.to_provider_queue.get(False)
        if dul.socket is not None:
            dul.socket.send(primitive.encoded)
        return next_state
    next_state = {fsm.DT_1: "Sta6", fsm.AR_7: "Sta8"}[original]
    return action


dimse.DIMSEServiceProvider.send_msg = _send_msg  # type: ignore[method-assign]
for _name in ("DT-1", "AR-7"):
    _desc, _action, _state = fsm.ACTIONS[_name]
    fsm.ACTIONS[_name] = (_desc, _p_data_action(_action), _state)


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


dimse_messages.encode = _encode_command  # type: ignore[assignment]


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


AssociationSocket.recv = _recv  # type: ignore[method-assign]
