"""Prebuilt statements run on SQLite's own connection, inside a Core unit of work (issue 12).

A Core ``execute`` costs ~0.1 ms of Python a statement here (execution context, result proxy, type
processing), the ``sqlite3`` module's own ~0.002 ms: for the hottest save path, whose unit of work is
four small statements, that was a third of its CPU.  ``Raw`` runs them on the DBAPI connection of the
Core connection, so they take part in the transaction ``Database.transaction`` opened (``BEGIN
IMMEDIATE``, the writer lock, commit or rollback), and stores values as SQLAlchemy stores them on
SQLite — JSON columns as ``json.dumps`` text (``None`` as ``'null'``), date-times as
``YYYY-MM-DD HH:MM:SS.ffffff`` — so either way of writing reads back the same.  A driver error is
raised as SQLAlchemy's (``IntegrityError``, ``OperationalError``…), as a Core statement raises it.
Other databases get ``None`` from ``Raw.of``: their callers use Core.  ``insert``, ``insert_many``,
``update`` and ``select`` below are the one place that choice is made: ``Raw`` on SQLite, the same
statement in Core (built once per table and columns) elsewhere.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import JSON, Connection, DateTime, Select, Table, Update, bindparam
from sqlalchemy import insert as core_insert
from sqlalchemy import select as core_select
from sqlalchemy import update as core_update
from sqlalchemy.exc import DBAPIError


def to_sqlite(value: Any, column_type: Any) -> Any:
    """``value`` as SQLAlchemy binds it for a column of ``column_type`` on SQLite."""
    if isinstance(column_type, JSON):
        return json.dumps(value)
    if isinstance(column_type, DateTime) and isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"
    return value


def json_values(texts: Mapping[str, str]) -> dict[str, Any]:
    """JSON columns' text (``json.dumps`` of each value) as the values again."""
    return {k: json.loads(t) for k, t in texts.items()}


def from_sqlite(value: Any, column_type: Any) -> Any:
    """A stored value as SQLAlchemy reads it back (as it is stored when ``column_type`` is ``None``)."""
    if value is None or column_type is None:
        return value
    if isinstance(column_type, JSON):
        return json.loads(value)
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    return value


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@cache
def _converting(table: Table, columns: tuple[str, ...]) -> dict[str, Any]:
    """The columns among ``columns`` whose values ``to_sqlite`` converts (JSON, date-time), with their
    types: the others are bound as they are, without a look-up per value (issue 12: the exchange
    log's writer binds ~17 columns a record)."""
    found = {c: table.c[c].type for c in columns}
    return {c: t for c, t in found.items() if isinstance(t, (JSON, DateTime))}


@cache
def _insert_sql(table: Table, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {_quoted(table.name)} ({', '.join(map(_quoted, columns))}) "
            f"VALUES ({', '.join(':' + c for c in columns)})")


@lru_cache(maxsize=512)
def _insert_rows_sql(table: Table, columns: tuple[str, ...], count: int) -> str:
    """``INSERT`` of ``count`` rows in one statement, positional parameters row after row."""
    row = f"({', '.join('?' * len(columns))})"
    return f"INSERT INTO {_quoted(table.name)} ({', '.join(map(_quoted, columns))}) VALUES {', '.join([row] * count)}"


#: Rows at most in one multi-row ``INSERT`` (``Raw.insert_many``).
ROWS_A_STATEMENT = 200


@cache
def _update_sql(table: Table, columns: tuple[str, ...], key: str) -> str:
    return (f"UPDATE {_quoted(table.name)} SET {', '.join(f'{_quoted(c)} = :{c}' for c in columns)} "
            f"WHERE {_quoted(key)} = :__key")


@cache
def _select_sql(table: Table, columns: tuple[str, ...], key: str, count: int) -> str:
    marks = ", ".join("?" * count)
    return f"SELECT {', '.join(map(_quoted, columns))} FROM {_quoted(table.name)} WHERE {_quoted(key)} IN ({marks})"


class Raw:
    """Statements on one table, on the SQLite connection under a Core connection."""

    def __init__(self, conn: Connection, driver: sqlite3.Connection, table: Table) -> None:
        self.conn, self.driver, self.table = conn, driver, table

    @classmethod
    def of(cls, conn: Connection, table: Table) -> Raw | None:
        """For a SQLite Core connection in a transaction; ``None`` on any other database."""
        if conn.dialect.name != "sqlite":
            return None
        driver = conn.connection.driver_connection
        return cls(conn, driver, table) if isinstance(driver, sqlite3.Connection) else None

    def _written(self, sql: str, params: Any, many: bool) -> None:
        """Tell the engine's ``after_cursor_execute`` listeners of a write, as a Core statement does
        (``Database.watch`` keeps its caches right by them, whichever way a table is written)."""
        self.conn.dispatch.after_cursor_execute(self.conn, None, sql, params, None, many)

    def _bound(self, values: Mapping[str, Any], texts: Mapping[str, str] | None = None) -> dict[str, Any]:
        """``values`` as SQLite takes them; ``texts``: JSON columns' text already serialised (``json.dumps``)."""
        converting = _converting(self.table, tuple(values))
        if texts:
            return {k: texts[k] if k in texts else to_sqlite(v, converting[k]) if k in converting else v
                    for k, v in values.items()}
        return {k: to_sqlite(v, converting[k]) if k in converting else v for k, v in values.items()}

    def insert(self, values: Mapping[str, Any]) -> None:
        sql = _insert_sql(self.table, tuple(values))
        with as_sqlalchemy(sql, values):
            self.driver.execute(sql, self._bound(values))
        self._written(sql, values, False)

    def insert_many(self, rows: Sequence[Mapping[str, Any]],
                    texts: Sequence[Mapping[str, str] | None] | None = None) -> None:
        """Multi-row ``INSERT``s, per set of columns (the rows of one batch share theirs); ``texts``, one
        per row when given: its JSON columns' text, serialised already (``json.dumps`` of the value).

        Not ``executemany``: the driver lets go of the GIL for every row it steps, and a thread that
        let go of it waits for a busy event loop to hand it back — up to the switch interval (5 ms)
        each time.  The exchange log's writer wrote ~300 rows a second so while the loop served
        3,000 requests a second (issue 12: its queue grew without end under load); a statement of
        many rows lets go of it a few times a batch."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for index, row in enumerate(rows):
            groups.setdefault(tuple(row), []).append(self._bound(row, texts[index] if texts else None))
        variables = self.driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        for columns, bound in groups.items():
            per = max(1, min(ROWS_A_STATEMENT, variables // len(columns)))
            for start in range(0, len(bound), per):
                chunk = bound[start:start + per]
                sql = _insert_rows_sql(self.table, columns, len(chunk))
                params = [row[c] for row in chunk for c in columns]
                with as_sqlalchemy(sql, params):
                    self.driver.execute(sql, params)
            self._written(_insert_sql(self.table, columns), bound, True)

    def update(self, key: str, value: Any, values: Mapping[str, Any]) -> None:
        """``UPDATE … SET values WHERE key = value``."""
        sql = _update_sql(self.table, tuple(values), key)
        with as_sqlalchemy(sql, values):
            self.driver.execute(sql, {**self._bound(values), "__key": value})
        self._written(sql, values, False)

    def select(self, columns: Sequence[str], key: str, values: Sequence[Any],
               stored: frozenset[str] = frozenset()) -> list[tuple[Any, ...]]:
        """``SELECT columns … WHERE key IN values``, each value read back as SQLAlchemy reads it —
        but the columns named in ``stored`` as they are stored (a JSON column's text)."""
        if not values:
            return []
        sql = _select_sql(self.table, tuple(columns), key, len(values))
        types = [None if c in stored else self.table.c[c].type for c in columns]
        with as_sqlalchemy(sql, values):
            found = self.driver.execute(sql, tuple(values)).fetchall()
        return [tuple(from_sqlite(v, t) for v, t in zip(row, types, strict=True)) for row in found]


@contextmanager
def as_sqlalchemy(sql: str, params: Any) -> Iterator[None]:
    """A driver error raised as SQLAlchemy raises it for a Core statement (the same classes)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, params, exc, sqlite3.Error) from exc


#: Bound parameter names of the Core statements below (no column is named so).
_KEY, _KEYS = "imgcloud_key", "imgcloud_keys"


@cache
def _core_update(table: Table, key: str) -> Update:
    return core_update(table).where(table.c[key] == bindparam(_KEY))


@cache
def _core_select(table: Table, columns: tuple[str, ...], key: str) -> Select[Any]:
    return core_select(*(table.c[c] for c in columns)).where(table.c[key].in_(bindparam(_KEYS, expanding=True)))


def insert(conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
    """``INSERT`` one row, in ``conn``'s transaction."""
    raw = Raw.of(conn, table)
    if raw is not None:
        raw.insert(values)
    else:
        conn.execute(core_insert(table), dict(values))


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]],
                texts: Sequence[Mapping[str, str] | None] | None = None) -> None:
    """``INSERT`` rows (one ``executemany``), in ``conn``'s transaction; ``texts`` as ``Raw.insert_many``
    (JSON columns already serialised: bound as they are on SQLite; elsewhere decoded, for SQLAlchemy to
    bind — a row's own value of such a column is not read)."""
    raw = Raw.of(conn, table)
    if raw is not None:
        raw.insert_many(rows, texts=texts)
    elif texts:
        conn.execute(core_insert(table), [{**r, **json_values(t)} if t else dict(r)
                                          for r, t in zip(rows, texts, strict=True)])
    else:
        conn.execute(core_insert(table), [dict(r) for r in rows])


def update(conn: Connection, table: Table, key: str, value: Any, values: Mapping[str, Any]) -> None:
    """``UPDATE table SET values WHERE key = value``, in ``conn``'s transaction."""
    raw = Raw.of(conn, table)
    if raw is not None:
        raw.update(key, value, values)
    else:
        conn.execute(_core_update(table, key), {**values, _KEY: value})


def select(conn: Connection, table: Table, columns: Sequence[str], key: str, values: Sequence[Any],
           stored: frozenset[str] = frozenset()) -> tuple[list[tuple[Any, ...]], bool]:
    """``SELECT columns … WHERE key IN values``: the rows, and whether the ``stored`` columns are as
    SQLite stores them (``Raw.select``) — on other databases every value is as SQLAlchemy reads it."""
    if not values:
        return [], False
    raw = Raw.of(conn, table)
    if raw is not None:
        return raw.select(columns, key, values, stored=stored), True
    return [tuple(r) for r in conn.execute(_core_select(table, tuple(columns), key), {_KEYS: list(values)})], False
