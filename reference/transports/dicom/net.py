"""Shared DICOM plumbing: socket options, presentation contexts, SOP classes, PDU size, the
Part-10 framing of a received instance, and ``EncodedDataset`` (a stored instance sent as
stored).  Status codes are in ``status.py``; the pynetdicom patches in ``patches.py``."""
from __future__ import annotations

import socket
import struct
from copy import copy
from io import BytesIO
from typing import Any, NamedTuple, cast

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import BaseTag, Tag
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID, PYNETDICOM_IMPLEMENTATION_VERSION, evt
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.dsutils import decode
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
    PositronEmissionTomographyImageStorage,
    SecondaryCaptureImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    UltrasoundImageStorage,
    UltrasoundMultiFrameImageStorage,
    VLEndoscopicImageStorage,
    VLPhotographicImageStorage,
    XRayAngiographicImageStorage,
    XRayRadiofluoroscopicImageStorage,
)

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

#: A-ASSOCIATE-RJ reasons (PS3.8 §9.3.4, table 9-21), (source, reason) -> text.
REJECT_REASONS = {
    (1, 1): "no reason given", (1, 2): "application context name not supported",
    (1, 3): "calling AE title not recognised", (1, 7): "called AE title not recognised",
    (2, 1): "no reason given", (2, 2): "protocol version not supported",
    (3, 1): "temporary congestion", (3, 2): "local limit exceeded",
}


def on_connection(event: evt.Event) -> None:
    """EVT_CONN_OPEN: disable Nagle on the association socket (each DIMSE exchange would
    otherwise stall ~40 ms on delayed ACKs), and time out every read on it.  The DUL reads only
    when the socket has data, so the timeout bounds a peer that starts a PDU and stops sending
    (an accepted socket does not inherit the listener's timeout): its read fails after the ACSE
    timeout and the association ends, instead of holding a slot for ever."""
    sock = getattr(getattr(event.assoc.dul, "socket", None), "socket", None)
    if sock is None:
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(event.assoc.acse_timeout or READ_TIMEOUT)
    except OSError:
        pass


#: Seconds one read of a PDU may wait for the next bytes when no ACSE timeout is set.
READ_TIMEOUT = 30.0
NODELAY_HANDLERS: list[Any] = [(evt.EVT_CONN_OPEN, on_connection)]


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
    req = cast(C_STORE, event.request)
    body = b"".join((
        _meta_element(0x0001, b"OB", b"\x00\x01"),
        _meta_element(0x0002, b"UI", _padded(str(req.AffectedSOPClassUID), b"\0")),
        _meta_element(0x0003, b"UI", _padded(str(req.AffectedSOPInstanceUID), b"\0")),
        _meta_element(0x0010, b"UI", _padded(str(event.context.transfer_syntax), b"\0")),
        _meta_element(0x0012, b"UI", _padded(PYNETDICOM_IMPLEMENTATION_UID, b"\0")),
        _meta_element(0x0013, b"SH", _padded(PYNETDICOM_IMPLEMENTATION_VERSION, b" ")),
    ))
    data = req.DataSet.getvalue() if req.DataSet is not None else b""  # a C-STORE request always has one
    return b"".join((b"\x00" * 128, b"DICM", struct.pack("<HH2sHL", 2, 0, b"UL", 4, len(body)), body, data))


class Label(NamedTuple):
    """What an ``EncodedDataset`` of a stored file carries besides its bytes, made once per file
    (``label``): pydicom's keyword assignment of two UIDs and the transfer syntax's ``UID`` cost
    ~0.1 ms for every instance sent."""

    file_meta: FileMetaDataset
    syntax: UID
    elements: dict[BaseTag, DataElement]  # SOP Class UID, SOP Instance UID


def label(file_meta: FileMetaDataset, sop_class: str, sop_instance: str) -> Label:
    elements = {tag: DataElement(tag, "UI", value) for tag, value in ((_SOP_CLASS, sop_class), (_SOP_INSTANCE, sop_instance))}
    return Label(file_meta, UID(file_meta.TransferSyntaxUID), elements)


_SOP_CLASS, _SOP_INSTANCE = Tag(0x0008, 0x0016), Tag(0x0008, 0x0018)


class EncodedDataset(Dataset):
    """A stored instance to send exactly as stored: the data set bytes after the file meta
    group, plus the few elements pynetdicom's ``send_c_store`` reads to pick the presentation
    context (SOP Class/Instance UID, file meta Transfer Syntax UID: its ``Label``).  Yield it from
    a C-GET or C-MOVE handler; ``patches._encode_stored`` sends ``encoded`` untouched when the
    accepted transfer syntax is the stored one, and parses and re-encodes it otherwise.  The
    elements it holds are only a label: changing them does not change what is sent (which is why
    the SCPs do not offer Composite Instance Retrieve Without Bulk Data: pynetdicom deletes bulk
    elements from the yielded dataset for it); each data set holds its own copies of the label's
    elements (made and checked once), so changing one changes no other."""

    def __init__(self, encoded: bytes, labelled: Label) -> None:
        super().__init__({tag: copy(elem) for tag, elem in labelled.elements.items()})  # ~8 µs each, not ~30
        self.file_meta = labelled.file_meta
        syntax = labelled.syntax
        self.set_original_encoding(syntax.is_implicit_VR, syntax.is_little_endian)
        self.encoded, self.syntax = encoded, syntax

    def full(self) -> Dataset:
        """The whole data set, parsed (element values stay raw until used)."""
        ds = decode(BytesIO(self.encoded), self.syntax.is_implicit_VR, self.syntax.is_little_endian,
                    self.syntax.is_deflated)
        ds.file_meta = self.file_meta
        return ds
