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

``read`` is the other way, on the DUL thread: the primitive of a received C-STORE-RSP (one per
instance a C-GET or C-MOVE sends) or C-FIND/GET/MOVE/STORE request, its values taken from the
command set's raw bytes — integers unpacked, UIDs that passed pynetdicom's checks before
(``uids.known``) — and set through the primitive's own setters, instead of each element converted
by pydicom (its UID regular expression again) first.  Any other element or value (empty, multiple,
an error comment, a UID not seen before, an AE title) leaves the whole message to pynetdicom.

``sent_message`` is what ``EVT_DIMSE_SENT`` then carries: a message of pynetdicom's class (a
subclass of the same name) whose command set is read back from those bytes only when something
asks for it, and whose ``values`` — the elements written, by keyword — is what the recorder reads
for the status and sub-operation counts of every response (two per query or retrieved instance).
"""
from __future__ import annotations

import struct
from io import BytesIO
from typing import Any, NamedTuple

from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pynetdicom import dimse_messages
from pynetdicom import dimse_primitives as prim
from pynetdicom.dsutils import decode

from . import uids

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


class Written(NamedTuple):
    """A message written from its template."""

    message: type[dimse_messages.DIMSEMessage]
    command: bytes  # the command set as sent
    data_set: Any  # a ``BytesIO`` or None, as ``primitive_to_message`` leaves it
    values: dict[str, Any]  # the command set's elements by keyword, as written


def write(primitive: Any) -> Written | None:
    """The message class, command set and data set pynetdicom would send for ``primitive``
    (``DIMSEMessage.primitive_to_message`` then ``encode``), or None when it is not one of
    ``MESSAGES`` or an element cannot be written here."""
    message = MESSAGES.get((type(primitive), primitive.MessageIDBeingRespondedTo is not None))
    if message is None or getattr(primitive, "_dataset_path", None):
        return None
    keyword = dimse_messages._DATASET_KEYWORDS.get(message.__name__)
    dataset = getattr(primitive, keyword) if keyword else BytesIO()  # pynetdicom's defaults
    parts: list[bytes] = []
    values: dict[str, Any] = {}
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
        values[name] = value
    body = b"".join(parts)
    values["CommandGroupLength"] = len(body)
    return Written(message, _HEADER.pack(0, 0, 4) + struct.pack("<L", len(body)) + body, dataset, values)


class _ReadWhenUsed:
    """A sent message's ``command_set``, decoded from the bytes sent on first use."""

    @property
    def command_set(self) -> Dataset:
        known: Dataset | None = self.__dict__.get("_command_set")
        if known is None:
            known = self.__dict__["_command_set"] = decode(BytesIO(self.__dict__["_command"]), True, True, False)
        return known

    @command_set.setter
    def command_set(self, value: Dataset) -> None:
        self.__dict__["_command_set"] = value


#: pynetdicom's message class -> the same class (and name) with its command set read when used.
SENT: dict[type[dimse_messages.DIMSEMessage], type[dimse_messages.DIMSEMessage]] = {
    message: type(message.__name__, (_ReadWhenUsed, message), {"__module__": __name__}) for message in MESSAGES.values()}


def sent_message(written: Written, context_id: int | None = None) -> dimse_messages.DIMSEMessage:
    """The message ``EVT_DIMSE_SENT`` reports: pynetdicom's message class (``SENT``), its command
    set read back from the bytes sent when first used, not built element by element; its data set
    as ``primitive_to_message`` leaves it."""
    cls = SENT[written.message]
    msg: Any = object.__new__(cls)
    msg.__dict__.update(_command=written.command, _imgcloud_values=written.values)
    msg.context_id, msg.encoded_command_set = context_id, BytesIO()
    msg._data_set_path, msg._data_set_file = None, None
    msg.data_set = written.data_set
    return msg


def values(message: Any) -> dict[str, Any]:
    """A sent or received message's command elements by keyword: as written (``write``), without
    decoding anything, or read from its command set."""
    written: dict[str, Any] | None = message.__dict__.get("_imgcloud_values")
    if written is not None:
        return written
    return {elem.keyword: elem.value for elem in message.command_set}


#: Received messages ``read`` converts: message class name -> (primitive class, tag -> (keyword, VR)).
RECEIVED: dict[str, tuple[type, dict[int, tuple[str, str]]]] = {
    message.__name__: (primitive, {tag: (keyword, vr) for tag, keyword, vr in _template(message)})
    for message, primitive in ((dimse_messages.C_STORE_RSP, prim.C_STORE), (dimse_messages.C_FIND_RQ, prim.C_FIND),
                               (dimse_messages.C_GET_RQ, prim.C_GET), (dimse_messages.C_STORE_RQ, prim.C_STORE))}
_UNREAD = object()


def _received_value(elem: Any, vr: str) -> Any:
    """An element's value as pydicom would convert it, when that is certain without pydicom;
    ``_UNREAD`` otherwise."""
    if not isinstance(elem, RawDataElement):  # converted already (Command Field, Data Set Type)
        return elem.value if type(elem.value) is int else _UNREAD
    data: bytes = elem.value or b""
    if vr == "US" and len(data) == 2:
        return _INTS["US"].unpack(data)[0]
    if vr == "UI" and data and data.isascii():
        uid = uids.known(data.decode("ascii").rstrip("\0 "))
        return uid if uid is not None else _UNREAD
    return _UNREAD


def read(message: Any) -> Any:
    """``DIMSEMessage.message_to_primitive`` for the messages of ``RECEIVED`` whose every element
    ``_received_value`` reads; None for anything else (pynetdicom's way then)."""
    known = RECEIVED.get(type(message).__name__)
    if known is None:
        return None
    primitive_class, elements = known
    primitive = primitive_class()
    command_set = message.command_set
    for tag in command_set.keys():
        keyword, vr = elements.get(int(tag), ("", ""))
        if not keyword:
            return None
        if not hasattr(primitive, keyword):
            continue  # the group length, command field and data set type
        value = _received_value(command_set.get_item(tag), vr)
        if value is _UNREAD:
            return None
        setattr(primitive, keyword, value)
    dataset = dimse_messages._DATASET_KEYWORDS.get(type(message).__name__)
    if dataset:
        setattr(primitive, dataset, message.data_set)
    primitive._context_id = message.context_id
    primitive._dataset_path, primitive._dataset_file = message._data_set_path, message._data_set_file
    return primitive
