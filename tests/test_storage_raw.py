"""``reference.storage.raw``: statements on SQLite's own connection store what SQLAlchemy stores and
read back what it reads, and fail with SQLAlchemy's errors (issue 12: the save path's unit of work)."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from reference.storage import Database
from reference.storage.models import IndexRecord, Message
from reference.storage.raw import Raw

WHEN = datetime(2026, 12, 2, 1, 2, 3)
ROW: dict[str, Any] = {"hi": "A", "text": "成功 \u00e9", "n": [1, 2.5, None, True], "nested": {"k": ""}}


def _values(hi: str) -> dict[str, Any]:
    return {"hi_img_indx": hi, "inf_code": "S1", "fixmedins_code": None, "profile": "national", "row": ROW,
            "msgid": "m", "created_at": WHEN, "updated_at": WHEN.replace(microsecond=45), "deleted_at": None,
            "pull_status": "pending", "pull_findings": None}


@pytest.fixture
def db(tmp_path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'raw.db'}")
    database.migrate()
    return database


def test_raw_and_core_store_and_read_alike(db):
    table = IndexRecord.__table__
    with db.transaction() as conn:
        raw = Raw.of(conn, table)  # type: ignore[arg-type]
        assert raw is not None
        raw.insert(_values("A"))
        conn.execute(insert(table), _values("B"))
        raw.update("hi_img_indx", "A", {"pull_status": "pulled", "pull_findings": [{"rule": "X"}]})
    with db.transaction() as conn:
        stored = {r[0]: r[1:] for r in conn.exec_driver_sql("select hi_img_indx, \"row\", created_at, updated_at, "
                                                           "pull_findings, deleted_at from index_records")}
        columns = ("hi_img_indx", "row", "created_at", "updated_at", "pull_findings", "deleted_at")
        read = Raw.of(conn, table).select(columns, "hi_img_indx", ["A", "B"])  # type: ignore[arg-type, union-attr]
    assert stored["A"][:3] == stored["B"][:3] and stored["B"][3] == "null"  # the same text, JSON null as 'null'
    with db.reading() as session:
        records = {r.hi_img_indx: r for r in session.scalars(select(IndexRecord))}
    assert records["A"].row == records["B"].row == ROW
    assert records["A"].updated_at == records["B"].updated_at == WHEN.replace(microsecond=45)
    assert records["A"].pull_findings == [{"rule": "X"}] and records["B"].pull_findings is None
    by_hi = {r[0]: r for r in read}
    assert by_hi["B"] == ("B", ROW, WHEN, WHEN.replace(microsecond=45), None, None)
    assert by_hi["A"][4] == [{"rule": "X"}]


def test_a_raw_statement_fails_as_a_core_one(db):
    values = {"msgid": "m1", "inf_code": "S1", "operation": "o", "body_sha256": "d", "response": {}, "created_at": WHEN}
    with db.transaction() as conn:
        conn.execute(insert(Message.__table__), values)
    with pytest.raises(IntegrityError), db.transaction() as conn:
        Raw.of(conn, Message.__table__).insert(values)  # type: ignore[arg-type, union-attr]


def test_insert_many_groups_rows_by_their_columns(db):
    table = IndexRecord.__table__
    with db.transaction() as conn:
        short = {k: v for k, v in _values("C").items() if k != "fixmedins_code"}
        Raw.of(conn, table).insert_many([_values("A"), short, _values("B")])  # type: ignore[arg-type, union-attr]
    with db.reading() as session:
        assert sorted(session.scalars(select(IndexRecord.hi_img_indx))) == ["A", "B", "C"]


def test_begin_on_a_database_another_process_writes_is_busy(tmp_path):
    """``BEGIN`` runs on the driver's connection (``db._sqlite_begin``); "database is locked" is
    still ``Busy`` (the transports' retryable reply), not a storage failure."""
    import sqlite3

    from reference.storage.db import Busy

    db = Database(f"sqlite:///{tmp_path / 'busy.db'}")
    db.migrate()
    with db.engine.connect() as conn:  # the pool's one connection: give up at once instead of in 10 s
        conn.connection.driver_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
    other = sqlite3.connect(tmp_path / "busy.db")
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Busy), db.transaction():
            pass
    finally:
        other.rollback()
        other.close()


def test_raw_writes_reach_the_database_watchers_as_core_writes_do(db):
    """``Database.watch`` learns of writes from the engine's statement events: a table written on
    SQLite's own connection must be announced too, or a cache of it would go stale."""
    changed: list[str] = []
    db.watch((IndexRecord.__tablename__,), lambda: changed.append("index"))
    with db.transaction() as conn:
        Raw.of(conn, Message.__table__).insert(  # type: ignore[arg-type, union-attr]
            {"msgid": "w", "inf_code": "S1", "operation": "op", "body_sha256": "0" * 64, "response": {},
             "created_at": WHEN})
    assert changed == []  # another table
    with db.transaction() as conn:
        Raw.of(conn, IndexRecord.__table__).insert(_values("W"))  # type: ignore[arg-type, union-attr]
    assert changed == ["index"]
    with db.transaction() as conn:
        Raw.of(conn, IndexRecord.__table__).update("hi_img_indx", "W", {"pull_status": "pulled"})  # type: ignore[arg-type, union-attr]
    with db.transaction() as conn:
        Raw.of(conn, IndexRecord.__table__).insert_many([_values("X"), _values("Y")])  # type: ignore[arg-type, union-attr]
    assert changed == ["index"] * 3


def test_the_statement_helpers_read_back_what_they_wrote_on_each_database(storage_url):
    """``raw.insert/insert_many/update/select``: ``Raw`` on SQLite, the same statement in Core on
    PostgreSQL (the five call sites of the save path and the exchange log use them)."""
    from reference.storage import raw

    db = Database(storage_url)
    db.migrate()
    table = IndexRecord.__table__
    with db.transaction() as conn:
        raw.insert(conn, table, _values("A"))  # type: ignore[arg-type]
        raw.insert_many(conn, table, [_values("B"), _values("C")])  # type: ignore[arg-type]
        raw.update(conn, table, "hi_img_indx", "B", {"pull_status": "pulled", "msgid": "m2"})  # type: ignore[arg-type]
    with db.transaction() as conn:
        found, as_text = raw.select(conn, table, ("hi_img_indx", "row", "pull_status", "msgid", "created_at"),  # type: ignore[arg-type]
                                    "hi_img_indx", ["A", "B", "Z"], stored=frozenset({"row"}))
        assert raw.select(conn, table, ("hi_img_indx",), "hi_img_indx", []) == ([], False)  # type: ignore[arg-type]
    by_hi = {r[0]: r for r in found}
    assert sorted(by_hi) == ["A", "B"] and as_text is db.sqlite
    assert by_hi["B"][2:] == ("pulled", "m2", WHEN) and by_hi["A"][2:] == ("pending", "m", WHEN)
    assert (json.loads(by_hi["A"][1]) if as_text else by_hi["A"][1]) == ROW
    db.dispose()


def test_insert_many_writes_every_row_in_statements_the_variable_limit_allows(db):
    """Many rows a statement (the GIL let go a few times a batch, not once a row), cut where SQLite's
    limit on bound variables would be passed; each row stored as ``Raw.insert`` stores it, the JSON
    columns' text given in ``texts`` used as it is."""
    table = IndexRecord.__table__
    rows = [_values(f"R{i:03d}") for i in range(130)]
    texts = [{"row": json.dumps({"i": i})} if i % 3 == 0 else None for i in range(130)]
    with db.transaction() as conn:
        raw = Raw.of(conn, table)  # type: ignore[arg-type]
        assert raw is not None
        raw.driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 11 * 7)  # 7 rows of 11 columns a statement
        raw.insert_many(rows, texts=texts)
        raw.insert(_values("single"))
    with db.reading() as session:
        stored = {r.hi_img_indx: r for r in session.scalars(select(IndexRecord))}
    assert len(stored) == 131
    assert [stored[f"R{i:03d}"].row for i in range(6)] == [{"i": 0}, ROW, ROW, {"i": 3}, ROW, ROW]
    assert all(stored[f"R{i:03d}"].created_at == stored["single"].created_at == WHEN for i in range(130))
