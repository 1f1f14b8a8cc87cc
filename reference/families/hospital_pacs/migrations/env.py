"""Alembic environment of the hospital's own database (the PACS/RIS tables and the view
``View_Pacs_Text_Info``, seeds/001 §4.1.1), run by ``reference.transports.sql.migrate.upgrade``
with a connection and a version table of its own."""
from __future__ import annotations

from alembic import context

attributes = context.config.attributes
context.configure(connection=attributes["connection"], target_metadata=None, render_as_batch=True,
                  version_table=attributes.get("version_table", "alembic_version_hospital_pacs"))
with context.begin_transaction():
    context.run_migrations()
