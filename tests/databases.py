"""Fresh databases of each backend for the tests of a party's own database (the hospital's
view, seeds/001 §4.1.1) and of the SQL transport: SQLite in a temporary directory, a fresh
PostgreSQL schema, a fresh MariaDB database.  The servers are the local ones (trust auth /
root without a password); outside CI a backend that does not answer skips its tests, in CI
they fail."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("IMGCLOUD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIADB_URL = os.environ.get("IMGCLOUD_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
BACKENDS = ("sqlite", "postgresql", "mariadb")


def _reachable(url: str) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False
    finally:
        engine.dispose()


def _require(url: str, name: str) -> None:
    if not _reachable(url):
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI and not reachable at {url}")
        pytest.skip(f"{name} not reachable at {url}")


@contextmanager
def fresh_database(backend: str, tmp: Path) -> Iterator[str]:
    """A URL of an empty database of ``backend``, dropped afterwards."""
    name = f"imgcloud_t_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'{name}.db'}"
        return
    url = PG_URL if backend == "postgresql" else MARIADB_URL
    _require(url, backend)
    admin = create_engine(url)
    create, drop = ((f'create schema "{name}"', f'drop schema "{name}" cascade') if backend == "postgresql" else
                    (f"create database {name} character set utf8mb4", f"drop database {name}"))
    with admin.begin() as conn:
        conn.execute(text(create))
    try:
        if backend == "postgresql":
            yield f"{PG_URL}?options=-csearch_path%3D{name}"
        else:
            yield f"{MARIADB_URL.rsplit('/', 1)[0]}/{name}?charset=utf8mb4"
    finally:
        with admin.begin() as conn:
            conn.execute(text(drop))
        admin.dispose()


def client_command(backend: str, url: str, sql: str) -> tuple[list[str], dict[str, str]]:
    """The database's own command-line client running ``sql`` (argv, extra environment)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if backend == "sqlite":
        return ["sqlite3", "-header", str(parsed.database), sql], {}
    if backend == "postgresql":
        schema = str(parsed.query.get("options", "")).split("search_path=")[-1]
        return (["psql", "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres",
                 "-d", parsed.database or "test", "-A", "-c", sql], {"PGOPTIONS": f"-c search_path={schema}"})
    return (["mariadb", "-h", parsed.host or "127.0.0.1", "-P", str(parsed.port or 3306), "-u", parsed.username or "root",
             "--default-character-set=utf8mb4", str(parsed.database), "-e", sql], {})
