"""The DICOM transport's one error boundary: a handler that raises is recorded as ``error``
with a ``SANDBOX-INTERNAL`` finding, and the peer gets a DIMSE failure status.

pynetdicom's service classes already turn an exception into a failure status for C-STORE,
C-FIND, C-GET and C-MOVE (``service_class.py``: 0xC2xx–0xC5xx), so those are re-raised after
the finding is noted; for C-ECHO pynetdicom would answer *Success*, so the boundary answers
0x0110 (Processing failure, PS3.7 C.4.2) itself.
"""
from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterator
from typing import Any

from pynetdicom import evt

from reference.rules import RULES
from reference.storage.db import is_busy

from .faults import faulted
from .recorder import DicomRecorder

logger = logging.getLogger("imgcloud.dicom")

PROCESSING_FAILURE = 0x0110
#: Event -> the operation it serves.
OPERATIONS = {evt.EVT_C_ECHO: "C-ECHO", evt.EVT_C_FIND: "C-FIND", evt.EVT_C_GET: "C-GET",
              evt.EVT_C_MOVE: "C-MOVE", evt.EVT_C_STORE: "C-STORE"}


def _noted(rec: DicomRecorder, event: evt.Event, operation: str, exc: BaseException) -> None:
    if is_busy(exc):
        logger.warning("busy serving %s to %s: %s", operation, rec.calling(event), exc)
        rec.current(event, operation).add([RULES.finding("SANDBOX-BUSY", detail=type(exc).__name__)])
        return
    logger.error("unhandled error serving %s to %s", operation, rec.calling(event), exc_info=exc)
    rec.current(event, operation).add([RULES.finding("SANDBOX-INTERNAL", error=type(exc).__name__)])


def guarded(handler: Callable[..., Any], rec: DicomRecorder, operation: str) -> Callable[..., Any]:
    """``handler`` with the boundary around it (plain functions and generator handlers)."""
    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def generator(event: evt.Event, *args: Any) -> Iterator[Any]:
            try:
                yield from handler(event, *args)
            except Exception as exc:
                _noted(rec, event, operation, exc)
                raise
        return generator

    @functools.wraps(handler)
    def plain(event: evt.Event, *args: Any) -> Any:
        try:
            return handler(event, *args)
        except Exception as exc:
            _noted(rec, event, operation, exc)
            if operation == "C-ECHO":
                return PROCESSING_FAILURE
            raise
    return plain


def guard_all(handlers: list[Any], rec: DicomRecorder) -> list[Any]:
    """The SCP's protocol handlers (``[(event, handler, [args…]), …]``) behind the boundary."""
    out = []
    for binding in handlers:
        event, handler, *rest = binding
        operation = OPERATIONS.get(event)
        out.append((event, guarded(faulted(handler, rec, operation), rec, operation), *rest) if operation else binding)
    return out
