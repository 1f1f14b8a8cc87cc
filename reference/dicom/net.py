"""Shared DICOM plumbing: socket options, presentation contexts, status codes (as data)."""
from __future__ import annotations

import socket
from typing import Any

from pynetdicom import _config, evt
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

#: Sent stored files are read lazily and written back element by element (no value decoding);
#: received ones are kept as the peer encoded them (``event.encoded_dataset()``).
_config.STORE_SEND_CHUNKED_DATASET = True

#: Uncompressed, unencrypted transfer syntaxes: all the archive accepts (seeds/004 §3.2.3.2.1
#: "DICOM文件不能经过特殊格式压缩、加密") and what our SCUs propose.
UNCOMPRESSED = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]

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

#: PDU size: 0 = unlimited for what we receive; peers' limits apply to what we send.
MAX_PDU = 0

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
