"""The database: engine set-up (SQLite in WAL mode, or PostgreSQL by URL), units of work, and
migrations.

Writing and reading are separate doors.  ``session()`` is a unit of work that may write: on
SQLite it takes this process's writer lock and begins ``IMMEDIATE`` (the database's write lock
up front), so writers queue in order instead of colliding — a deferred transaction that reads
and then writes fails outright ("database is locked") when another writer committed meanwhile,
whatever the busy timeout.  ``reading()`` is read-only: no lock, WAL readers never wait.  Either
raises ``Busy`` when the unit of work cannot start within ``busy_after`` seconds (no pooled
connection, the write lock held, PostgreSQL refusing connections): the transports answer it
with the family's retryable "busy" reply, never as a storage failure.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from reference.storage.group import GroupCommit
from reference.storage.raw import as_sqlalchemy

T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")
#: What a database says when it is overloaded rather than broken.
_BUSY_TEXTS = ("database is locked", "too many clients", "too many connections", "remaining connection slots")


class Busy(Exception):
    """The database cannot take this unit of work now; the caller may retry."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (_sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """``BEGIN`` on the driver's connection: through ``exec_driver_sql`` it cost a Core statement's
    ~0.05-0.1 ms of Python every unit of work (issue 12); its error is raised as SQLAlchemy's."""
    sql = f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'DEFERRED')}"
    with as_sqlalchemy(sql, None):
        conn.connection.driver_connection.execute(sql)  # type: ignore[union-attr]


def make_engine(url: str, *, pool_size: int = 16, max_overflow: int = 0, busy_after: float = 20.0) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # connections are cheap: as many as the server's thread pool has threads (Starlette: 40)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10},
                               pool_size=40, max_overflow=10, pool_timeout=busy_after)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow,
                         pool_timeout=busy_after)


def insert_ignore(session: Session, model: Any, values: dict[str, Any]) -> None:
    """Insert a row unless its key exists (no error, no race): ``ON CONFLICT DO NOTHING``."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(model).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(model).values(**values).on_conflict_do_nothing())
    else:  # MariaDB / MySQL
        from sqlalchemy import insert

        session.execute(insert(model).values(**values).prefix_with("IGNORE"))


def delete_rows(session: Session, model: Any, *criteria: Any) -> int:
    """Delete ``model``'s rows matching every criterion; how many (a tenant's reset counts by table)."""
    from sqlalchemy import delete
    from sqlalchemy.engine import CursorResult

    result = cast(CursorResult[Any], session.execute(delete(model).where(*criteria)))
    return int(result.rowcount or 0)


def insert_ignore_many(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """``insert_ignore`` of many rows, one statement executed for them all (Core: no ORM objects)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.connection().execute(pg_insert(model.__table__).on_conflict_do_nothing(), rows)
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.connection().execute(sqlite_insert(model.__table__).on_conflict_do_nothing(), rows)
    else:  # MariaDB / MySQL
        from sqlalchemy import insert

        session.connection().execute(insert(model.__table__).prefix_with("IGNORE"), rows)


def is_busy(exc: BaseException) -> bool:
    """Whether a database error means "overloaded, retry" rather than a failure."""
    if isinstance(exc, (Busy, PoolTimeout)):
        return True
    return isinstance(exc, OperationalError) and any(t in str(exc.orig).lower() for t in _BUSY_TEXTS)


#: Where a connection notes the watchers of the tables it wrote to (``Database.watch``).
_CHANGED = "imgcloud_changed"


def _writes(statement: str) -> bool:
    """Whether a statement may change a table (anything but a plain read)."""
    return statement.lstrip()[:6].upper() not in ("SELECT", "PRAGMA")


class Database:
    """Engine + units of work; ``migrate()`` brings the schema to the newest revision."""

    def __init__(self, url: str, *, pool_size: int = 16, max_overflow: int = 0, busy_after: float = 20.0) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow, busy_after=busy_after)
        self.sqlite = self.engine.dialect.name == "sqlite"
        self.busy_after = busy_after
        self._writer = threading.RLock()  # SQLite: one writing unit of work at a time in this process
        self._group = GroupCommit(self)
        self._watches: dict[Callable[[], None], tuple[str, ...]] = {}
        event.listen(self.engine, "after_cursor_execute", self._noted)
        event.listen(self.engine, "checkin", self._returned)

    def watch(self, tables: tuple[str, ...], changed: Callable[[], None]) -> None:
        """Call ``changed`` after every unit of work of this process that wrote to one of ``tables``
        (any statement naming one but a plain read, DDL included), once its connection is back in
        the pool — after its commit: a cache of reads from those tables (``reference.storage.generation``)
        is then never refilled from the data before the change and kept.  A rolled-back write calls it
        too (a needless refill, never a stale entry)."""
        self._watches[changed] = tables

    def unwatch(self, changed: Callable[[], None]) -> None:
        self._watches.pop(changed, None)

    @property
    def writer_lock(self) -> threading.RLock:
        """This process's SQLite writer lock (held by every writing unit of work)."""
        return self._writer

    def grouped(self, unit: Callable[[Connection], T]) -> T:
        """``unit(conn)`` in a writing transaction it may share with concurrent units (a group commit,
        ``reference.storage.group``); returns once that transaction is committed."""
        return self._group.run(unit)

    def _noted(self, conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if not self._watches:
            return
        for changed, tables in list(self._watches.items()):
            if any(t in statement for t in tables) and _writes(statement):
                conn.info.setdefault(_CHANGED, set()).add(changed)

    @staticmethod
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        for changed in (record.info.pop(_CHANGED, None) or ()) if record is not None else ():
            changed()

    def migrate(self) -> None:
        from alembic import command  # ~0.2 s to import: only in the processes that migrate
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "heads")  # families may add migrations on branches of their own

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work that may write: committed when the block ends, rolled back on any error."""
        with self._write_lock(), self._connection("IMMEDIATE") as conn, \
                Session(bind=conn, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work (no writer lock; closed at the end: the objects it loaded stay
        usable, detached; the connection goes back to the pool rolled back).

        On PostgreSQL it runs in autocommit: its default isolation, READ COMMITTED, gives each
        statement a snapshot of its own inside a transaction too, so a read sees the same data
        without the ``BEGIN`` before it and the ``ROLLBACK`` after — two of the four round trips of a
        one-query read (with the pool's ping), each a wait for another process on a busy machine
        (issue 12: 829 → 550 µs a one-query read session, in a loop on an idle machine)."""
        with self.reading_core() as conn, Session(bind=conn, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def reading_core(self) -> Iterator[Connection]:
        """``reading``'s connection without an ORM session, for a hot path's prebuilt Core statements
        (a session's transaction state, identity map and ORM execution: a hot read's time, issue 12)."""
        with self._connection("DEFERRED") as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT") if self.engine.dialect.name == "postgresql" else conn

    def scalar(self, statement: Any, params: dict[str, Any]) -> Any:
        """The first value of a read-only Core statement (``reading_core``)."""
        with self.reading_core() as conn:
            return conn.execute(statement, params).scalar()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A Core connection in a writing transaction (bulk inserts), under the same lock."""
        with self._write_lock(), self._connection("IMMEDIATE") as conn, conn.begin():
            yield conn

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        if not self.sqlite:
            yield
            return
        if not self._writer.acquire(timeout=self.busy_after):
            raise Busy(f"the SQLite write lock was held for more than {self.busy_after} s")
        try:
            yield
        finally:
            self._writer.release()

    @contextmanager
    def _connection(self, begin: str) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn.execution_options(sqlite_begin=begin) if self.sqlite else conn
        except Exception as exc:
            if is_busy(exc) and not isinstance(exc, Busy):
                raise Busy(str(getattr(exc, "orig", exc))) from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()
