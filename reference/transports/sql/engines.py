"""Engines for reading another party's database: per backend, a connect timeout, a statement
timeout and a read-only session (the reader never writes), and URLs as the log shows them
(password masked)."""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

#: SQLite checks its progress handler every this many virtual-machine instructions.
SQLITE_PROGRESS_STEPS = 10_000


def backend(url: str) -> str:
    """``sqlite``, ``postgresql``, ``mysql`` or ``mariadb``."""
    return make_url(url).get_backend_name()


def masked_url(url: str) -> str:
    """The URL as logs and messages show it: never the password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL that does not parse is shown as its scheme only
        return url.split(":", 1)[0] + ":…"


def _sqlite_read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = 1")
    cursor.close()


@lru_cache(maxsize=32)
def reader_engine(url: str, timeout: float) -> Engine:
    """An engine that reads ``url``: connections time out after ``timeout`` seconds, sessions
    are read-only.  Cached per (URL, timeout), without a pool: a read opens its connection and
    closes it (reads are occasional; nothing stays open to another party's database)."""
    name = backend(url)
    if name == "sqlite":
        database = make_url(url).database
        if database and database != ":memory:" and not Path(database).exists():
            # SQLite would create an empty file: refuse like a server that is not there
            raise FileNotFoundError(f"no SQLite database at {database}")
        engine = create_engine(url, connect_args={"timeout": timeout, "check_same_thread": False}, poolclass=NullPool)
        event.listen(engine, "connect", _sqlite_read_only)
        return engine
    if name == "postgresql":
        return create_engine(url, connect_args={"connect_timeout": max(1, int(timeout))}, poolclass=NullPool)
    if name in ("mysql", "mariadb"):
        seconds = max(1, int(timeout))
        return create_engine(url, connect_args={"connect_timeout": seconds, "read_timeout": seconds + 1,
                                                "write_timeout": seconds + 1}, poolclass=NullPool)
    return create_engine(url, poolclass=NullPool)


@contextmanager
def bounded(connection: Connection, timeout: float) -> Iterator[None]:
    """Run the block's statements read-only and stopped after ``timeout`` seconds."""
    name = connection.dialect.name
    if name == "postgresql":
        connection.execute(text("SET TRANSACTION READ ONLY"))
        connection.execute(text(f"SET LOCAL statement_timeout = {int(timeout * 1000)}"))
        yield
        return
    if name in ("mysql", "mariadb"):
        if getattr(connection.dialect, "is_mariadb", False):
            connection.execute(text(f"SET SESSION max_statement_time = {timeout:.3f}"))
        else:
            connection.execute(text(f"SET SESSION max_execution_time = {int(timeout * 1000)}"))
        yield
        return
    if name == "sqlite":
        raw = connection.connection.dbapi_connection
        deadline = time.monotonic() + timeout
        assert isinstance(raw, sqlite3.Connection)
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), SQLITE_PROGRESS_STEPS)
        try:
            yield
        finally:
            raw.set_progress_handler(None, SQLITE_PROGRESS_STEPS)
        return
    yield
