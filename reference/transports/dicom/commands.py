"""DIMSE command sets (PS3.7 §9.3, group 0000, always Implicit VR Little Endian) written from
their templates instead of through pydicom ``Dataset``s (installed by ``patches.install``).

pynetdicom builds every message's command set as a ``Dataset``: each element of the message
type set to None, then filled in from the primitive or deleted, then written once to measure
the group length and once to send — ~0.25 ms a message.  A retrieved instance costs two such
messages on the association thread (its C-STORE-RQ and the pending C-GET/C-MOVE-RSP pynetdicom
sends after each sub-operation), a single-match C-FIND two.  ``write`` produces the same bytes
directly from the primitive, for the messages whose elements are all integers, UIDs, AE titles
or ASCII text (``TEMPLATES``); anything else (an Offending Element, a non-ASCII comment, a data
set sent from its file in chunks, a value pydicom would write differently) is left to
pynetdicom.  ``tests/dicom/test_net.py`` compares the bytes with pynetdicom's for each template.

``sent_message`` is what ``EVT_DIMSE_SENT`` then carries: the message pynetdicom would have
built, its command set read back from those bytes (elements decoded only when used).
"""
from __future__ import annotations

import struct
from io import BytesIO
from typing import Any

from pydicom.datadict import dictionary_VR, tag_for_keyword
from pynetdicom import dimse_messages
from pynetdicom import dimse_primitives as prim
from pynetdicom.dsutils import decode

#: Messages written from their template: (primitive class, is a response) -> message class.
MESSAGES: dict[tuple[type, bool], type[dimse_messages.DIMSEMessage]] = {
    (prim.C_STORE, False): dimse_messages.C_STORE_RQ,
    (prim.C_STORE, True): dimse_messages.C_STORE_RSP,
    (prim.C_FIND, True): dimse_messages.C_FIND_RSP,
    (prim.C_GET, True): dimse_messages.C_GET_RSP,
    (prim.C_MOVE, True): dimse_messages.C_MOVE_RSP,
}
#: Command Field values (PS3.7 Table E.1-1), by message class.
COMMAND_FIELDS = {cls: field for field, (_, cls) in dimse_messages._MESSAGE_TYPES.items()}
_NO_DATA_SET, _DATA_SET = 0x0101, 0x0001


def _template(message: type[dimse_messages.DIMSEMessage]) -> tuple[tuple[int, str, str], ...]:
    """(tag, keyword, VR) of the message type's command elements in tag order, from pynetdicom's
    own table (``_COMMAND_SET_KEYWORDS``) and pydicom's dictionary; the group length first."""
    keywords = dimse_messages._COMMAND_SET_KEYWORDS[message.__name__.replace("_", "-")]
    tags = [(tag_for_keyword(k), k) for k in keywords]
    return tuple(sorted((int(t), k, dictionary_VR(t)) for t, k in tags if t is not None))


TEMPLATES = {message: _template(message) for message in MESSAGES.values()}
_HEADER = struct.Struct("<HHL")
_TEXT_PAD = {"UI": b"\0", "AE": b" "}  # an error comment (LO) pydicom validates and may refuse: its way
_INTS = {"US": struct.Struct("<H"), "UL": struct.Struct("<L")}


def element(tag: int, vr: str, value: Any) -> bytes | None:
    """One command element as pydicom writes it (Implicit VR Little Endian): integers (US, UL),
    ASCII UIDs and AE titles padded to even length; None for anything else (pydicom's way then)."""
    if value is None or value == "":
        data = b""
    elif vr in _INTS and type(value) is int:
        try:
            data = _INTS[vr].pack(value)
        except struct.error:
            return None
    elif vr in _TEXT_PAD and isinstance(value, str) and value.isascii():
        data = value.encode("ascii")
        if len(data) % 2:
            data += _TEXT_PAD[vr]
    else:
        return None
    return _HEADER.pack(tag >> 16, tag & 0xFFFF, len(data)) + data


def write(primitive: Any) -> tuple[type[dimse_messages.DIMSEMessage], bytes, Any] | None:
    """The message class, command set and data set pynetdicom would send for ``primitive``
    (``DIMSEMessage.primitive_to_message`` then ``encode``; the data set a ``BytesIO`` or None),
    or None when it is not one of ``MESSAGES`` or an element cannot be written here."""
    message = MESSAGES.get((type(primitive), primitive.MessageIDBeingRespondedTo is not None))
    if message is None or getattr(primitive, "_dataset_path", None):
        return None
    keyword = dimse_messages._DATASET_KEYWORDS.get(message.__name__)
    dataset = getattr(primitive, keyword) if keyword else BytesIO()  # pynetdicom's defaults
    parts: list[bytes] = []
    for tag, name, vr in TEMPLATES[message][1:]:  # the group length is written last, first
        if name == "CommandField":
            value: Any = COMMAND_FIELDS[message]
        elif name == "CommandDataSetType":
            value = _DATA_SET if keyword and dataset else _NO_DATA_SET
        else:
            value = getattr(primitive, name, None)
            if value is None and hasattr(primitive, name):
                continue  # pynetdicom deletes an element whose parameter is not set
        encoded = element(tag, vr, value)
        if encoded is None:
            return None
        parts.append(encoded)
    body = b"".join(parts)
    return message, _HEADER.pack(0, 0, 4) + struct.pack("<L", len(body)) + body, dataset


def sent_message(message: type[dimse_messages.DIMSEMessage], command: bytes, data_set: Any,
                 context_id: int | None = None) -> dimse_messages.DIMSEMessage:
    """The message ``EVT_DIMSE_SENT`` reports (the recorder reads its status and counts): its
    command set read back from ``command`` (each element decoded when used), not built element
    by element through pynetdicom's constructor; ``data_set`` as ``primitive_to_message`` leaves it."""
    msg = message.__new__(message)
    msg.context_id, msg.encoded_command_set = context_id, BytesIO()
    msg._data_set_path, msg._data_set_file = None, None
    msg.command_set = decode(BytesIO(command), True, True, False)
    msg.data_set = data_set
    return msg
