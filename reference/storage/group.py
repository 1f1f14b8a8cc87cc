"""Group commit: concurrent small writing units of work share one SQLite transaction (issue 12).

On SQLite every writing unit of work of this process queues for the writer lock (``Database``), and
each pays ``BEGIN IMMEDIATE``, a pooled connection, its commit and the lock's hand-over (~0.2 ms of
CPU for a ``saveExamRpotImgIndx`` whose own statements cost about as much).  ``GroupCommit.run``
queues a unit instead; whichever waiting thread takes the writer lock first runs *every* queued unit,
each inside its own ``SAVEPOINT`` (a unit that fails is rolled back to it alone and its error goes to
its caller), in one transaction, commits once, and only then hands each caller its outcome — so every
caller still returns after its own writes are committed, and a commit that fails fails every unit of
the group (none of them is stored).  Units run in the order they were queued, each seeing the writes
of those before it, exactly as if they had run one after the other.  A caller whose unit was never
taken gives up with ``Busy`` after ``busy_after``, as ``Database.transaction`` does; once taken, it
waits for the outcome (its writes may be committing).  Other databases run each unit in its own
transaction (their writers do not queue on one lock).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Connection

from reference.storage.raw import as_sqlalchemy

if TYPE_CHECKING:
    from reference.storage.db import Database

T = TypeVar("T")
_UNSET: Any = object()


class _Pending(Generic[T]):
    """One queued unit and, once its group is over, its value or error."""

    __slots__ = ("unit", "done", "value", "error")

    def __init__(self, unit: Callable[[Connection], T]) -> None:
        self.unit = unit
        self.done = threading.Event()
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
        self._lock = threading.Lock()

    def run(self, unit: Callable[[Connection], T]) -> T:
        """``unit(conn)`` in a writing transaction; its value once that transaction is committed."""
        if not self.db.sqlite:
            with self.db.transaction() as conn:
                return unit(conn)
        item = _Pending(unit)
        with self._lock:
            self._queue.append(item)
        writer = self.db.writer_lock
        if writer.acquire(timeout=self.db.busy_after):
            try:
                if not item.done.is_set():  # not run by the group before: lead the next one
                    self._lead()
            finally:
                writer.release()
        else:
            with self._lock:
                taken = item not in self._queue
                if not taken:
                    self._queue.remove(item)
            if not taken:
                from reference.storage.db import Busy

                raise Busy(f"the SQLite write lock was held for more than {self.db.busy_after} s")
            item.done.wait()  # a group is running it: its outcome, whatever it is
        return item.outcome()

    def _lead(self) -> None:
        """Run every queued unit in one transaction (the writer lock held)."""
        with self._lock:
            group, self._queue = self._queue, []
        try:
            with self.db.transaction() as conn:
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
                item.done.set()


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
