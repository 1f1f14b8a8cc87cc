"""The simulated hospital's own database (seeds/001 §4.1.1): its report table and the view
``View_Pacs_Text_Info`` peers read, created by this family's own migrations (``migrations/``).

Where it lives is the hospital party's ``database_url``: SQLite at ``<home>/hospital.db`` by
default, PostgreSQL (``postgresql+psycopg://…``) or MariaDB/MySQL (``mysql+pymysql://…``) by URL.
The hospital writes its reports here (the actor in ``sim`` after an exam) and answers its
HTTP report pull from the view, so the view and the pull cannot disagree.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, Table, and_, create_engine, event, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from reference.collection import report
from reference.config import Config
from reference.storage.db import _sqlite_pragmas
from reference.transports.sql.migrate import upgrade

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version_hospital_pacs"


def snake(name: str) -> str:
    """The hospital's own column name for a report field (``examNo`` -> ``exam_no``)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


METADATA = MetaData()
REPORTS = Table("pacs_exam_report", METADATA,
                Column("id", Integer, primary_key=True, autoincrement=True),
                *(Column(snake(name), report.sql_type(kind, length)) for name, _, kind, length in report.FIELDS),
                Column("withdrawn", Integer, nullable=False, default=0),
                Column("created_at", DateTime, nullable=False))
VIEW = report.view_table(METADATA)


def database_url(config: Config) -> str:
    """The hospital party's database: configured, or SQLite in the data home."""
    return report.hospital_database_url(config)


@lru_cache(maxsize=16)
def engine_for(url: str) -> Engine:
    """The hospital's engine (its own writer), its objects migrated once per process."""
    if make_url(url).get_backend_name() == "sqlite":
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, poolclass=NullPool)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, poolclass=NullPool)  # cached per URL: no pool left open behind it
    upgrade(engine, MIGRATIONS, VERSION_TABLE)
    return engine


def _row(values: dict[str, Any], now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {"created_at": now, "withdrawn": 0}
    for name, _, kind, _ in report.FIELDS:
        value = values.get(name)
        if kind == "links" and isinstance(value, list):
            value = report.IMAGE_URL_SEPARATOR.join(value)
        elif kind == "datetime" and isinstance(value, str):
            value = datetime.strptime(value, report.TIME_FORMAT)
        elif kind == "date" and isinstance(value, str):
            value = datetime.strptime(value, "%Y-%m-%d").date()
        out[snake(name)] = value
    return out


def save_reports(url: str, reports: Iterable[dict[str, Any]], *, now: datetime) -> int:
    """Insert or replace reports (by hospital and ``examNo``); how many were written."""
    engine, count = engine_for(url), 0
    with engine.begin() as conn:
        for item in reports:
            row = _row(item, now)
            key = and_(REPORTS.c.fixmedins_code == row["fixmedins_code"], REPORTS.c.exam_no == row["exam_no"])
            if conn.execute(select(REPORTS.c.id).where(key)).first() is None:
                conn.execute(REPORTS.insert().values(**row))
            else:
                conn.execute(update(REPORTS).where(key).values(**{k: v for k, v in row.items() if k != "created_at"}))
            count += 1
    return count


def withdraw(url: str, hospital: str, exam_no: str) -> bool:
    """Take a report out of the view (the hospital deleted the exam)."""
    with engine_for(url).begin() as conn:
        done = conn.execute(update(REPORTS).where(REPORTS.c.fixmedins_code == hospital, REPORTS.c.exam_no == exam_no)
                            .values(withdrawn=1))
    return bool(done.rowcount)


def forget_hospital(url: str, hospital: str) -> int:
    """Delete the hospital's reports (a tenant's reset); how many."""
    with engine_for(url).begin() as conn:
        return int(conn.execute(REPORTS.delete().where(REPORTS.c.fixmedins_code == hospital)).rowcount or 0)
