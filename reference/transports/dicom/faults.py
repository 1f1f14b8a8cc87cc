"""Faults the DICOM transport injects (``reference.runtime``), per party, operation and calling AE:

- ``reject`` (operation ``A-ASSOCIATE``): the association rejected with ``params.result`` (1
  permanent, 2 transient), ``params.source`` and ``params.reason`` (PS3.8 §9.3.4; default 1/1/1);
- ``abort``: the association aborted (A-ABORT) instead of answering the operation;
- ``status``: the operation answered with DIMSE ``status`` (0xA700 out of resources, 0xA801 move
  destination unknown, 0xC000 unable to process…) — after ``after`` matches/sub-operations
  really sent for C-FIND / C-GET / C-MOVE (pending-then-fail, partial sub-operations);
- ``delay``: the answer held back ``delay_ms`` (from its distribution, seeded);
- ``slow``: slow PDUs — a pause drawn from the delay distribution before every response a
  handler sends (each C-FIND pending match, each C-GET / C-MOVE sub-operation, the final one).

Every fault is marked on the exchange it touched (``response.fault``)."""
from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Iterator
from typing import Any

from pynetdicom import evt

from reference.runtime import DICOM_KINDS, Fault

from .recorder import DicomRecorder

#: Yields a C-GET / C-MOVE handler makes before its sub-operations (PS3.4 C.4.2 / C.4.3 in
#: pynetdicom's handler protocol: the number of sub-operations; the destination first for C-MOVE).
PREFIX = {"C-FIND": 0, "C-GET": 1, "C-MOVE": 2}


def _fault(rec: DicomRecorder, event: evt.Event, operation: str) -> Fault | None:
    fault = rec.sandbox.runtime.fault_for(rec.party, operation, rec.calling(event), DICOM_KINDS)
    if fault is not None:
        rec.mark(event, fault.mark())
        if fault.kind == "abort":
            rec.mark_association(event.assoc, fault.mark())
    return fault


def faulted(handler: Callable[..., Any], rec: DicomRecorder, operation: str) -> Callable[..., Any]:
    """``handler`` with the party's faults applied before (or while) it answers."""
    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def generator(event: evt.Event, *args: Any) -> Iterator[Any]:
            fault = _fault(rec, event, operation)
            real = handler(event, *args)
            if fault is None:
                yield from real
                return
            if fault.kind == "delay":
                time.sleep(rec.sandbox.runtime.delay_seconds(fault))
                yield from real
            elif fault.kind == "slow":
                yield from _slow(real, rec, fault)
            elif fault.kind == "abort":
                event.assoc.abort()
            elif fault.kind == "status":
                yield from _failing(real, operation, fault)
        return generator

    @functools.wraps(handler)
    def plain(event: evt.Event, *args: Any) -> Any:
        fault = _fault(rec, event, operation)
        if fault is not None and fault.kind in ("delay", "slow"):
            time.sleep(rec.sandbox.runtime.delay_seconds(fault))
        elif fault is not None and fault.kind == "abort":
            event.assoc.abort()
            return 0xC000
        elif fault is not None and fault.kind == "status":
            return int(fault.status or 0xC000)
        return handler(event, *args)
    return plain


def _slow(real: Iterator[Any], rec: DicomRecorder, fault: Fault) -> Iterator[Any]:
    """The handler's yields, each after a pause (the n-th pause drawn as the n-th step), and one
    more pause before the final response pynetdicom sends when they end."""
    step = 0
    try:
        for step, item in enumerate(real):
            time.sleep(rec.sandbox.runtime.delay_seconds(fault, step))
            yield item
        time.sleep(rec.sandbox.runtime.delay_seconds(fault, step + 1))
    finally:
        close = getattr(real, "close", None)
        if close is not None:
            close()


def _failing(real: Iterator[Any], operation: str, fault: Fault) -> Iterator[Any]:
    """The handler's own first yields (destination, count) and ``after`` results, then the status."""
    try:
        for _ in range(PREFIX.get(operation, 0)):
            yield next(real)
        for _ in range(max(fault.after, 0)):
            item = next(real, None)
            if item is None:
                break
            yield item
        yield (int(fault.status or 0xC000), None)
    finally:
        close = getattr(real, "close", None)
        if close is not None:
            close()


def reject_by_fault(event: evt.Event, rec: DicomRecorder) -> None:
    """EVT_REQUESTED: a ``reject`` fault on ``A-ASSOCIATE`` refuses the association."""
    assoc = event.assoc
    if assoc.is_rejected or assoc.is_aborted:
        return
    fault = rec.sandbox.runtime.fault_for(rec.party, "A-ASSOCIATE", rec.calling(event), ("reject", "delay"))
    if fault is None:
        return
    rec.mark_association(assoc, fault.mark())
    if fault.kind == "delay":
        time.sleep(rec.sandbox.runtime.delay_seconds(fault))
        return
    params = fault.params
    assoc.acse.send_reject(int(params.get("result", 1)), int(params.get("source", 1)), int(params.get("reason", 1)))
    evt.trigger(assoc, evt.EVT_REJECTED, {})
    assoc.kill()
