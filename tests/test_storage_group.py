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
