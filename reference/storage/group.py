"""Group commit: concurrent small writing units of work share one SQLite transaction (issue 12).

On SQLite every writing unit of work of this process queues for the writer lock (``Database``), and
each pays ``BEGIN IMMEDIATE``, a pooled connection, its commit and the lock's hand-over (~0.2 ms of
CPU for a ``saveExamRpotImgIndx`` whose own statements cost about as much).  ``GroupCommit.run``
queues a unit instead.  One caller at a time leads: it takes the writer lock and runs *every* queued
unit, each inside its own ``SAVEPOINT`` (a unit that fails is rolled back to it alone and its error
goes to its caller), in one transaction, commits once, and only then hands each caller its outcome —
so every caller still returns after its own writes are committed, and a commit that fails fails every
unit of the group (none of them is stored).  Units run in the order they were queued, each seeing the
writes of those before it, exactly as if they had run one after the other.

The other callers wait on their own unit's event, not on the writer lock: the leader wakes each of
them with its outcome, all at once.  (Until the fifth sitting every caller waited on the writer lock
and, woken in turn, found its unit done and passed the lock on: ten callers of a group went through
the lock one by one, each a thread switch waiting for the GIL — ~25 ms of a save's ~32 ms at 16
connections were spent so, with the lock free half the time.)  Once its own unit is committed the
leader returns; units queued meanwhile are led by the first of their callers, whom it promotes.  A
caller whose unit was never taken gives up with ``Busy`` after ``busy_after``, as
``Database.transaction`` does (a leader that cannot take the lock in time promotes the next caller
and gives up); once taken, it waits for the outcome (its writes may be committing).  Other databases
run each unit in its own transaction (their writers do not queue on one lock).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Connection

from reference.storage.raw import as_sqlalchemy

if TYPE_CHECKING:
    from reference.storage.db import Database

T = TypeVar("T")
_UNSET: Any = object()


class _Pending(Generic[T]):
    """One queued unit and, once its group is over, its value or error.  ``woken`` is set when it is
    over, or when its caller is promoted to lead (``leads``)."""

    __slots__ = ("unit", "woken", "over", "leads", "value", "error")

    def __init__(self, unit: Callable[[Connection], T]) -> None:
        self.unit = unit
        self.woken = threading.Event()
        self.over = False
        self.leads = False
        self.value: T = _UNSET
        self.error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        if self.value is _UNSET:
            raise RuntimeError("the group running this unit of work stopped before it")
        return self.value


class GroupCommit:
    """Units of work of one ``Database`` committed together (module doc)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: list[_Pending[Any]] = []
        self._lock = threading.Lock()  # guards the queue and who leads
        self._leading = False  # a caller leads (or has been promoted to): the queue will be run

    def run(self, unit: Callable[[Connection], T]) -> T:
        """``unit(conn)`` in a writing transaction; its value once that transaction is committed."""
        if not self.db.sqlite:
            with self.db.transaction() as conn:
                return unit(conn)
        deadline = time.monotonic() + self.db.busy_after
        item = _Pending(unit)
        with self._lock:
            self._queue.append(item)
            if not self._leading:
                self._leading = item.leads = True
        if not item.leads and not item.woken.wait(max(0.0, deadline - time.monotonic())):
            with self._lock:
                given_up = not item.leads and item in self._queue  # neither taken nor promoted
                if given_up:
                    self._queue.remove(item)
            if given_up:
                raise _busy(self.db)
            item.woken.wait()  # a group is running it (its outcome, whatever it is), or it was promoted
        if item.leads and not item.over:
            self._lead(item, deadline)
        return item.outcome()

    def _lead(self, item: _Pending[Any], deadline: float) -> None:
        """Run the queue, a group at a time, until ``item`` is over; then pass the lead on."""
        writer = self.db.writer_lock
        if not writer.acquire(timeout=max(0.0, deadline - time.monotonic())):
            with self._lock:
                self._queue.remove(item)  # only a leader takes units: it is still queued
                self._pass_lead()
            raise _busy(self.db)
        try:
            while not item.over:
                with self._lock:
                    group, self._queue = self._queue, []
                _run_group(self.db, group)
        finally:
            writer.release()
            with self._lock:
                self._pass_lead()

    def _pass_lead(self) -> None:
        """The first caller still queued leads next (woken to); none queued, none leads.  ``_lock`` held."""
        self._leading = bool(self._queue)
        if self._queue:
            self._queue[0].leads = True
            self._queue[0].woken.set()


def _busy(db: Database) -> Exception:
    from reference.storage.db import Busy

    return Busy(f"the SQLite write lock was held for more than {db.busy_after} s")


def _run_group(db: Database, group: list[_Pending[Any]]) -> None:
    """Every unit of ``group`` in one transaction (the writer lock held); each caller woken once over."""
    try:
        with db.transaction() as conn:
            driver = conn.connection.driver_connection
            for item in group:
                _run_one(conn, driver, item)
    except BaseException as exc:  # nothing of the group is stored: every unit fails with it
        for item in group:
            if item.error is None:
                item.value, item.error = _UNSET, exc
        if not isinstance(exc, Exception):
            raise
    finally:
        for item in group:
            item.over = True
            item.woken.set()


def _run_one(conn: Connection, driver: Any, item: _Pending[Any]) -> None:
    """One unit inside its own savepoint: on an error it alone is undone and the error is its own."""
    _driver_sql(driver, "SAVEPOINT imgcloud_unit")
    try:
        item.value = item.unit(conn)
    except Exception as exc:
        item.error = exc
        _driver_sql(driver, "ROLLBACK TO imgcloud_unit")  # fails (and fails the group) if SQLite ended it
    _driver_sql(driver, "RELEASE imgcloud_unit")


def _driver_sql(driver: Any, sql: str) -> None:
    with as_sqlalchemy(sql, None):
        driver.execute(sql)
