"""The SQL transport's front door: a provider family's own objects (its tables and the views
peers read) in its own database, created by the family's own Alembic environment.

Each such environment keeps its own version table, so a family's database can be a separate
SQLite file, PostgreSQL or MariaDB database, or share one with the sandbox's own tables.
"""
from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine

_done: set[tuple[str, str]] = set()
_lock = threading.Lock()


def upgrade(engine: Engine, script_location: Path, version_table: str) -> None:
    """Bring the family's objects in ``engine``'s database to the newest revision (once per
    process and database)."""
    key = (str(engine.url), str(script_location))
    with _lock:
        if key in _done:
            return
        from alembic import command  # ~0.2 s to import: only in the processes that migrate
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(script_location))
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            cfg.attributes["version_table"] = version_table
            command.upgrade(cfg, "heads")
        _done.add(key)
