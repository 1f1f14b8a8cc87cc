"""The sandbox's shared state for one process: config, database, blobs, log, clock.

Everything durable lives in the database or the blob store, never in process memory,
so several server workers agree on state.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from reference.clock import Clock
from reference.config import Config
from reference.exchanges import ExchangeLog
from reference.storage import BlobStore, Database


@dataclass
class Sandbox:
    config: Config
    db: Database
    blobs: BlobStore
    clock: Clock = field(default_factory=Clock)

    @classmethod
    def open(cls, config: Config, *, clock: Clock | None = None, migrate: bool = True) -> Sandbox:
        db = Database(config.storage_url)
        if migrate:
            db.migrate()
        return cls(config=config, db=db, blobs=BlobStore(config.blob_dir), clock=clock or Clock())

    @property
    def exchanges(self) -> ExchangeLog:
        return ExchangeLog(self.db)

    def close(self) -> None:
        self.db.dispose()
