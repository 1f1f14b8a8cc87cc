"""DIMSE status codes, as data (PS3.7 Annex C; PS3.4 B.2.3, C.4.1.1.4, C.4.2.1.5, C.4.3.1.5).

Every DICOM module asks this table what a status means; no status range is spelled out
anywhere else.  Pure data, no pynetdicom: the exchange log's verdict table reads it too.
"""
from __future__ import annotations

from typing import Literal

Category = Literal["success", "warning", "pending", "cancel", "failure"]

#: Statuses the sandbox answers with, by name.
STATUS: dict[str, int] = {
    "success": 0x0000,
    "pending": 0xFF00,                 # PS3.4 C.4.1.1.4 Pending: matches are continuing
    "pending_warning": 0xFF01,         # Pending: optional keys not supported
    "cancel": 0xFE00,                  # PS3.7 C.3 Cancel
    "not_authorized": 0x0124,          # PS3.7 C.5.x Refused: Not Authorized
    "data_set_mismatch": 0xA900,       # PS3.4 B.2.3 Error: Data Set does not match SOP Class
    "identifier_mismatch": 0xA900,     # PS3.4 C.4.1.1.4 Identifier does not match SOP Class
    "cannot_understand": 0xC000,       # PS3.4 B.2.3 Error: Cannot understand
    "unable_to_process": 0xC001,       # PS3.4 C.4 Failed: Unable to process
    "move_destination_unknown": 0xA801,  # PS3.4 C.4.2.1.5 Refused: Move Destination unknown
    "out_of_resources": 0xA700,        # PS3.4 B.2.3 Refused: Out of Resources
}

#: Warning statuses: PS3.7 C.4 (0x0001, 0x0107, 0x0116) and the range 0xB000–0xBFFF.
_WARNINGS = frozenset({0x0001, 0x0107, 0x0116})


def category(status: int) -> Category:
    """What a DIMSE status means (PS3.7 Annex C)."""
    if status == 0x0000:
        return "success"
    if status in (0xFF00, 0xFF01):
        return "pending"
    if status == 0xFE00:
        return "cancel"
    if status in _WARNINGS or 0xB000 <= status <= 0xBFFF:
        return "warning"
    return "failure"


def is_final(status: int) -> bool:
    """A final response (not Pending): the operation is over."""
    return category(status) != "pending"


def is_failure(status: int) -> bool:
    return category(status) == "failure"


def is_success_or_warning(status: int) -> bool:
    return category(status) in ("success", "warning")


def text(status: int | None) -> str | None:
    """``0xA900`` as the log writes it."""
    return None if status is None else f"0x{status:04X}"
