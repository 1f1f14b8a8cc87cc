"""``reference.storage.group``: concurrent writing units of work share one SQLite transaction, each in
its own savepoint, every caller answered after the shared commit (issue 12: the save path's group commit)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Connection, event, select
from sqlalchemy.exc import IntegrityError, OperationalError

from reference.storage import Database
from reference.storage.db import Busy
from reference.storage.models import Message
from reference.storage.raw import Raw

WHEN = datetime(2026, 12, 2, 1, 2, 3)


@pytest.fixture
def db(tmp_path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'group.db'}", busy_after=5.0)
    database.migrate()
    return database


def _remember(msgid: str) -> Callable[[Connection], str]:
    def unit(conn: Connection) -> str:
        Raw.of(conn, Message.__table__).insert(  # type: ignore[arg-type, union-attr]
            {"msgid": msgid, "inf_code": "S1", "operation": "op", "body_sha256": "0" * 64, "response": {"m": msgid},
             "created_at": WHEN})
        return msgid
    return unit


def _fail_after(unit: Callable[[Connection], Any], error: Exception) -> Callable[[Connection], Any]:
    def failing(conn: Connection) -> Any:
        unit(conn)
        raise error
    return failing


def _stored(db: Database) -> list[str]:
    with db.reading() as session:
        return sorted(session.scalars(select(Message.msgid)))


def _commits(db: Database) -> list[int]:
    counted = [0]
    event.listen(db.engine, "commit", lambda _conn: counted.__setitem__(0, counted[0] + 1))
    return counted


def _queued_together(db: Database, units: list[Callable[[Connection], Any]]) -> list[tuple[str, Any]]:
    """Run ``units`` from as many threads, all queued while this thread holds the writer lock (so one
    group takes them all); each thread's ``("ok", value)`` or ``("error", exception)``, in order."""
    outcomes: list[tuple[str, Any]] = [("none", None)] * len(units)

    def call(i: int) -> None:
        try:
            outcomes[i] = ("ok", db.grouped(units[i]))
        except Exception as exc:  # the caller's own outcome, checked below
            outcomes[i] = ("error", exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(units))]
    with db.writer_lock:
        for i, thread in enumerate(threads):
            thread.start()
            while len(db._group._queue) < i + 1:  # queued in this order
                time.sleep(0.001)
    for thread in threads:
        thread.join(10)
    return outcomes


def test_concurrent_units_share_one_commit_and_each_caller_gets_its_value(db):
    commits = _commits(db)
    outcomes = _queued_together(db, [_remember(f"m{i}") for i in range(6)])
    assert outcomes == [("ok", f"m{i}") for i in range(6)]
    assert _stored(db) == [f"m{i}" for i in range(6)]
    assert commits[0] == 1


def test_a_failing_unit_is_undone_alone_and_its_caller_gets_its_error(db):
    boom = ValueError("row refused")
    outcomes = _queued_together(db, [_remember("a"), _fail_after(_remember("b"), boom), _remember("c"),
                                     _remember("a")])  # the same key again: IntegrityError, its own
    assert outcomes[0] == ("ok", "a") and outcomes[2] == ("ok", "c")
    assert outcomes[1] == ("error", boom)
    assert outcomes[3][0] == "error" and isinstance(outcomes[3][1], IntegrityError)
    assert _stored(db) == ["a", "c"]


def test_a_unit_sees_the_writes_of_the_units_before_it(db):
    def count(conn: Connection) -> int:
        return len(Raw.of(conn, Message.__table__).select(("msgid",), "msgid", ["x", "y"]))  # type: ignore[arg-type, union-attr]

    outcomes = _queued_together(db, [count, _remember("x"), count, _remember("y"), count])
    assert [v for _, v in outcomes] == [0, "x", 1, "y", 2]


def test_a_failed_commit_fails_every_unit_and_stores_none(db, monkeypatch):
    real = Database.transaction

    @contextmanager
    def failing_commit(self: Database) -> Iterator[Connection]:
        with real(self) as conn:
            yield conn
            raise OperationalError("COMMIT", None, Exception("disk I/O error"))  # rolled back, not committed

    monkeypatch.setattr(Database, "transaction", failing_commit)
    outcomes = _queued_together(db, [_remember("p"), _remember("q")])
    assert all(kind == "error" and isinstance(exc, OperationalError) for kind, exc in outcomes)
    monkeypatch.undo()
    assert _stored(db) == []
    assert db.grouped(_remember("r")) == "r"  # the next group is a fresh transaction
    assert _stored(db) == ["r"]


def test_a_unit_not_taken_in_time_is_busy_and_never_runs(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'busy.db'}", busy_after=0.2)
    db.migrate()
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with db.writer_lock:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    try:
        with pytest.raises(Busy):
            db.grouped(_remember("late"))
    finally:
        release.set()
        thread.join(10)
    assert db._group._queue == []
    assert db.grouped(_remember("next")) == "next"
    assert _stored(db) == ["next"]


class _CountingLock:
    """The writer lock, noting which threads took it (``_queued_together``'s own hold not counted)."""

    def __init__(self, lock: Any) -> None:
        self._lock, self.takers = lock, []  # type: list[str]

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        taken = self._lock.acquire(blocking, timeout)
        if taken and threading.current_thread() is not threading.main_thread():
            self.takers.append(threading.current_thread().name)
        return taken

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *_: Any) -> None:
        self.release()


def test_only_the_leader_takes_the_writer_lock_the_others_are_woken_with_their_outcome(db):
    """Callers of a group wait on their own unit, not on the writer lock: before, each of the six took
    the lock in turn once the group was over, only to find its unit done (a convoy of thread switches)."""
    counting = db._writer = _CountingLock(db._writer)
    outcomes = _queued_together(db, [_remember(f"w{i}") for i in range(6)])
    assert outcomes == [("ok", f"w{i}") for i in range(6)]
    assert len(set(counting.takers)) == 1  # the leader (its group's transaction takes it again, reentrant)


def test_units_queued_while_a_group_commits_are_led_by_their_first_caller(db):
    """The leader returns once its own unit is committed; the units queued meanwhile form the next
    group, led by the first of their callers — not by the leader, whose own caller would wait."""
    commits = _commits(db)
    running, go, leader_back = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first(conn: Connection) -> str:
        running.set()
        go.wait(10)
        return _remember("first")(conn)

    def later(msgid: str) -> Callable[[Connection], str]:
        def unit(conn: Connection) -> str:
            seen[msgid] = leader_back.wait(10)  # the first caller has its value before this group runs
            return _remember(msgid)(conn)
        return unit

    results: dict[str, Any] = {}

    def call(name: str, unit: Callable[[Connection], Any], after: threading.Event | None = None) -> None:
        results[name] = db.grouped(unit)
        if after is not None:
            after.set()

    lead = threading.Thread(target=call, args=("first", first, leader_back))
    lead.start()
    running.wait(10)
    others = [threading.Thread(target=call, args=(m, later(m))) for m in ("second", "third")]
    for i, thread in enumerate(others):
        thread.start()
        while len(db._group._queue) < i + 1:
            time.sleep(0.001)
    go.set()
    for thread in (lead, *others):
        thread.join(10)
    assert results == {"first": "first", "second": "second", "third": "third"}
    assert seen == {"second": True, "third": True}
    assert commits[0] == 2 and _stored(db) == ["first", "second", "third"]
    assert db._group._queue == [] and not db._group._leading


def test_a_leader_that_cannot_take_the_lock_in_time_passes_the_lead_on(tmp_path):
    """The first caller leads and waits for the writer lock; it gives up (``Busy``) at its deadline and
    the caller queued behind it leads with its own: the lock freed in between, that unit is stored."""
    db = Database(f"sqlite:///{tmp_path / 'pass.db'}", busy_after=0.6)
    db.migrate()
    held, release = threading.Event(), threading.Event()
    outcomes: dict[str, Any] = {}

    def holder() -> None:
        with db.writer_lock:
            held.set()
            release.wait(10)

    def call(name: str) -> None:
        try:
            outcomes[name] = db.grouped(_remember(name))
        except Busy as exc:
            outcomes[name] = exc

    blocking = threading.Thread(target=holder)
    blocking.start()
    held.wait(10)
    first = threading.Thread(target=call, args=("early",))
    first.start()
    while len(db._group._queue) < 1:
        time.sleep(0.001)
    time.sleep(0.3)
    second = threading.Thread(target=call, args=("late",))
    second.start()
    first.join(10)  # its 0.6 s are up while the lock is still held
    assert isinstance(outcomes["early"], Busy)
    release.set()  # within the second caller's 0.6 s
    for thread in (second, blocking):
        thread.join(10)
    assert outcomes["late"] == "late"
    assert _stored(db) == ["late"]
