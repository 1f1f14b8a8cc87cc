"""The exchange log: one record for every request a simulated party receives and every call a
simulator makes, over any transport (STYLE.md "One record for every exchange").

- ``record.py``: the draft a handler fills in, and bodies as the log keeps them;
- ``verdicts.py``: one verdict table per transport;
- ``recorder.py``: ``recording(...)`` / ``Recording.finish(...)``, the one way a record is written;
- ``log.py``: the log itself (batched writer thread, queries).
"""
from __future__ import annotations

from .log import ExchangeLog
from .record import DIRECTIONS, TRANSPORTS, ExchangeDraft, body_record
from .recorder import Recording, recording
from .verdicts import VERDICTS, verdict

__all__ = ["DIRECTIONS", "TRANSPORTS", "VERDICTS", "ExchangeDraft", "ExchangeLog", "Recording", "body_record",
           "recording", "verdict"]
