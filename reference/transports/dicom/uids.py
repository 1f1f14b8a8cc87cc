"""UIDs validated once (installed by ``patches.install``).

pynetdicom turns every UID a primitive or PDU item is given into a pydicom ``UID`` and validates
it (``utils.set_uid``: pydicom's regular expression when the ``UID`` is made, pynetdicom's
validator, the conformance check) — ~25 µs each, 12 % of the SCP's time in a C-GET: the C-STORE-RQ
sent for each instance names its SOP class and instance, the C-STORE-RSP that comes back names
them again, and each association's request proposes the same hundred-odd abstract and transfer
syntaxes as the last.  ``set_uid`` remembers the last ``SIZE`` distinct values that passed every
check and returns the same ``UID`` for them without checking again; anything else (a value never
seen, one that failed or only warned, bytes, empty, None) goes through pynetdicom's function as
before, errors and warnings included.  A change of the validator, the conformance setting or
pydicom's validation mode forgets everything remembered.
"""
from __future__ import annotations

from typing import Any

from pydicom import config
from pydicom.uid import UID
from pynetdicom import _config, ae, dimse_primitives, pdu_items, pdu_primitives, presentation, utils

#: Distinct valid UIDs remembered (an association's contexts plus a study's instances, many times over).
SIZE = 4096
_pynetdicom_set_uid = utils.set_uid
_known: dict[str, UID] = {}
_checked_under: list[Any] = [None]


def _rules() -> tuple[Any, ...]:
    """What the checks depend on besides the value."""
    return (_config.VALIDATORS.get("UI"), _config.ENFORCE_UID_CONFORMANCE, config.settings.reading_validation_mode)


def set_uid(value: Any, name: str, allow_empty: bool = True, allow_none: bool = True,
            validate: bool = True) -> UID | None:
    """``pynetdicom.utils.set_uid``, a value that passed every check before returned at once."""
    plain = type(value) is str or type(value) is UID
    if plain and value:
        known = _known.get(value)
        if known is not None and _checked_under[0] == _rules():
            return known
    result = _pynetdicom_set_uid(value, name, allow_empty, allow_none, validate)
    if plain and validate and result and result == value and result.is_valid \
            and not hasattr(value, "_PRIVATE_TS_ENCODING"):
        rules = _rules()
        if _checked_under[0] != rules or len(_known) >= SIZE:
            _known.clear()
            _checked_under[0] = rules
        _known[str(value)] = result
    return result


def known(value: str) -> UID | None:
    """The ``UID`` of ``value`` if it passed every check before (under the current rules)."""
    uid = _known.get(value)
    return uid if uid is not None and _checked_under[0] == _rules() else None


def install() -> None:
    """Replace ``set_uid`` wherever pynetdicom imported it (called once, by ``patches.install``)."""
    for module in (utils, ae, dimse_primitives, pdu_items, pdu_primitives, presentation):
        module.set_uid = set_uid  # type: ignore[attr-defined]
