"""The SQL transport: a party reads another party's database view over a real database
connection (seeds/001 §4.1.1 方式一: the hospital's ``View_Pacs_Text_Info``).  SQLite, PostgreSQL
and MariaDB/MySQL by SQLAlchemy URL.

The same three parts as HTTP and DICOM:

- the **front door** is the view itself, in the provider's own database, created by the
  provider family's own Alembic environment (``migrate.py`` runs it against any URL);
- **one error boundary** (``boundary.py``) turns whatever the driver raises into named findings
  and a status (the statement ran / the database refused it / no answer);
- the **recorder** is the reading client (``client.py``): every read is bounded (row limit,
  byte limit, statement timeout, read-only session) and recorded through
  ``reference.exchanges.recording`` with transport ``sql``.
"""
from __future__ import annotations

from .client import ReadResult, SqlClient
from .engines import masked_url, reader_engine

__all__ = ["ReadResult", "SqlClient", "masked_url", "reader_engine"]
