"""Persistence: the relational database (SQLAlchemy 2 + Alembic) and the blob store."""
from __future__ import annotations

from .blobs import BlobStore
from .db import Database

__all__ = ["BlobStore", "Database"]
