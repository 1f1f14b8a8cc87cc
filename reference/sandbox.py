"""The sandbox's shared state for one process: config, database, blobs, log, clock.

Everything durable lives in the database or the blob store, never in process memory,
so several server workers agree on state.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reference.clock import Clock
from reference.config import Config
from reference.exchanges import ExchangeLog
from reference.jobs import Jobs
from reference.runtime import Runtime
from reference.storage import BlobStore, Database
from reference.storage.db import insert_ignore_many
from reference.storage.generation import Generation
from reference.storage.models import Blob, DicomStored, PacsInstance

#: The instance tables the DICOM Q/R SCPs answer from: every committed change to them bumps the
#: ``catalogue`` generation (C-FIND replies are cached against it, ``transports.dicom.qr``).
CATALOGUE_TABLES = (PacsInstance.__tablename__, DicomStored.__tablename__)


@dataclass
class Sandbox:
    config: Config
    db: Database
    blobs: BlobStore
    clock: Clock = field(default_factory=Clock)
    jobs: Jobs = field(default_factory=Jobs)
    #: What a simulated party does that needs ``sim`` (generated data): lent by ``sim`` when it
    #: builds the app (``reference.app.create_app(actors=…)``), called by name from control
    #: operations — so ``reference`` never imports ``sim``.
    actors: dict[str, Callable[..., Any]] = field(default_factory=dict)
    exchanges: ExchangeLog = field(init=False)
    #: party switches and faults set at run time (``reference/runtime.py``), shared through the database
    runtime: Runtime = field(init=False)
    #: bumped (every process of this data home sees it) after any write to ``CATALOGUE_TABLES``
    catalogue: Generation = field(init=False)
    _shared: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)
    _shared_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        # its own parties table: a run-time switch (``runtime``) replaces entries of it, never a caller's
        self.config = self.config.model_copy(update={"parties": dict(self.config.parties)})
        self.exchanges = ExchangeLog(self.db, journal=self.config.home / "journal")
        self.runtime = Runtime(self)
        self.catalogue = Generation(self.config.home / "generations" / "dicom-catalogue")
        self.db.watch(CATALOGUE_TABLES, self.catalogue.bump)

    def shared(self, key: Any, make: Callable[[], Any]) -> Any:
        """One object per process and ``key``, made on first use and kept until ``close`` — the
        HTTP client a party reuses for a peer (building one costs ~19 ms of CPU, most of it
        ``ssl.create_default_context``).  Keyed by process too: a forked worker makes its own."""
        full = (os.getpid(), key)
        with self._shared_lock:
            found = self._shared.get(full)
            if found is None:
                found = self._shared[full] = make()
            return found

    @classmethod
    def open(cls, config: Config, *, clock: Clock | None = None, migrate: bool = True) -> Sandbox:
        db = Database(config.storage_url, pool_size=config.storage.pool_size,
                      max_overflow=config.storage.max_overflow, busy_after=config.storage.busy_after)
        if migrate:
            db.migrate()
        return cls(config=config, db=db, blobs=BlobStore(config.blob_dir), clock=clock or Clock())

    def store_blob(self, session: Session, data: bytes, media_type: str) -> str:
        """Put ``data`` in the blob store and record it; returns its sha256."""
        digest = self.blobs.put(data)
        if session.get(Blob, digest) is None:
            session.add(Blob(sha256=digest, size=len(data), media_type=media_type, created_at=self.now()))
        return digest

    def store_blobs(self, session: Session, items: list[bytes], media_type: str) -> list[str]:
        """``store_blob`` of many files: the ones the database does not know yet are recorded with
        one statement (insert-or-ignore: two workers storing the same bytes never collide)."""
        digests = [self.blobs.put(data) for data in items]
        now = self.now()
        rows = {d: {"sha256": d, "size": len(data), "media_type": media_type, "created_at": now}
                for d, data in zip(digests, items, strict=True)}
        insert_ignore_many(session, Blob, list(rows.values()))
        return digests

    def actor(self, name: str) -> Callable[..., Any]:
        """A lent actor, or ``NativeError`` (ACTOR-UNAVAILABLE) naming what this process lacks."""
        found = self.actors.get(name)
        if found is None:
            from reference.errors import NativeError
            from reference.rules import RULES

            raise NativeError([RULES.finding("ACTOR-UNAVAILABLE", actor=name,
                                             known=", ".join(sorted(self.actors)) or "—")])
        return found

    def now(self) -> datetime:
        return self.clock.now()

    def close(self) -> None:
        self.jobs.drain(timeout=30)
        self.jobs.shutdown()
        with self._shared_lock:
            kept, self._shared = list(self._shared.values()), {}
        for obj in kept:
            getattr(obj, "shutdown", getattr(obj, "close", lambda: None))()
        self.exchanges.close()
        self.db.unwatch(self.catalogue.bump)
        self.db.dispose()
        self.catalogue.close()
