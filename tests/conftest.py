"""Shared fixtures: a sandbox per test on a fresh data home, SQLite or PostgreSQL."""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from sim import localnet
from sim.server import create_app
from reference.clock import FrozenClock
from reference.config import Config, load_config
from reference.sandbox import Sandbox
from tests import seeds as seed_lookup

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("IMGCLOUD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
#: The sandbox's clock in tests: the generated data is dated relative to it.
NOW = datetime(2026, 11, 20, 10, 30, 0)


def pytest_configure(config: pytest.Config) -> None:
    """tests/seeds.py is also a plugin: its hooks skip (fail in CI) tests marked needs_seeds without their seeds."""
    if not config.pluginmanager.is_registered(seed_lookup):
        config.pluginmanager.register(seed_lookup, "imgcloud-seeds")
    _own_ports()


def _own_ports() -> None:
    """A pytest-xdist worker (``tests/run.sh`` runs two) chooses its servers' ports from its own share
    of ``free_port``'s window — for the servers it starts in subprocesses too (they inherit it): two
    workers walking one window from random starts could each choose a port before either has bound it."""
    worker, count = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if not worker.startswith("gw") or not count.isdigit() or int(count) < 2:
        return
    ours = localnet.share(localnet.port_window(), int(worker[2:]), int(count))
    os.environ[localnet.PORTS_ENV] = f"{ours.start}-{ours.stop - 1}"


def _pg_available() -> bool:
    engine = create_engine(PG_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped at the end."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    schema = f"imgcloud_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f'drop schema "{schema}" cascade'))
    engine.dispose()


#: Fixtures that open a sandbox: a test's ``storage_url`` must be set up before (torn down after) them.
_OPENING = ("make_running", "running")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test requesting ``storage_url`` after a sandbox-opening fixture is refused (``storage_url``)."""
    for item in items:
        names = list(getattr(item, "fixturenames", ()))
        if "storage_url" in names and any(n in names[:names.index("storage_url")] for n in _OPENING):
            raise pytest.UsageError(f"{item.nodeid}: request storage_url before make_running / running "
                                    "(its schema is dropped at teardown, before a sandbox set up later is closed)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Both storage backends; each PostgreSQL test gets its own schema.  Request it before
    ``make_running`` / ``running``: fixtures are torn down in the reverse order, and the schema is
    dropped at teardown — under a sandbox still open, its exchange log's writer can be inserting
    then, and PostgreSQL ends the drop and the insert in a deadlock (``pytest_collection_modifyitems``
    refuses the other order)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sandbox.db'}"
        return
    base = request.getfixturevalue("pg_schema_url")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    yield base.rsplit("%3D", 1)[0] + f"%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f'drop schema "{schema}" cascade'))
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Config]:
    homes = iter(range(1000))

    def make(**overrides: Any) -> Config:
        """A config over the built-in default; each call gets its own data home."""
        overrides.setdefault("home", str(tmp_path / f"home{next(homes)}"))
        return load_config(None, **overrides)

    return make


@pytest.fixture
def config(make_config: Callable[..., Config]) -> Config:
    return make_config()


class Running:
    """A sandbox app with its test client; ``restart()`` re-opens it on the same storage."""

    def __init__(self, config: Config, clock: FrozenClock) -> None:
        self.config, self.clock = config, clock
        self._open()

    def _open(self) -> None:
        self.sandbox = Sandbox.open(self.config, clock=self.clock)
        self.client = TestClient(create_app(sandbox=self.sandbox))

    def restart(self) -> None:
        self.close()
        self._open()

    def close(self) -> None:
        self.client.close()
        self.sandbox.close()


@pytest.fixture
def make_running(clock: FrozenClock) -> Iterator[Callable[[Config], Running]]:
    opened: list[Running] = []

    def make(config: Config) -> Running:
        running = Running(config, clock)
        opened.append(running)
        return running

    yield make
    for running in opened:
        running.close()


@pytest.fixture
def running(make_running: Callable[[Config], Running], config: Config) -> Running:
    return make_running(config)
