"""``imgcloud serve`` underneath: open the storage, bind every listener, then say so.

Every start-up failure is a ``StartError``: one or two lines saying what to do and an exit code,
never a traceback (issue 14).  The banner is printed only once the storage is migrated, the
HTTP socket is bound and listening (uvicorn serves from that socket) and every DICOM SCP
listens; then the demo world is seeded in the background."""
from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect

from reference.config import Config
from reference.sandbox import Sandbox
from reference.storage import Database
from reference.storage.problems import storage_problem
from sim.listening import listening_socket

#: seconds an idle kept-alive HTTP connection stays open (uvicorn's default is 5)
KEEP_ALIVE_S = 30
#: seconds a ``--workers`` worker may take to answer its supervisor's health check (uvicorn's 5).
#: A worker answers only once it has imported the app — ~3.5 s of CPU here, 30 s of wall time on a
#: loaded 2-core machine — and uvicorn kills and respawns one that has not answered: under load a
#: ``--workers 2`` sandbox never came up, each respawn starting the imports again.
WORKER_HEALTHCHECK_S = 120


class StartError(Exception):
    """The sandbox cannot start; the message says what to do."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _busy_port(exc: OSError) -> bool:
    return exc.errno in (errno.EADDRINUSE, errno.EACCES)


def open_storage(cfg: Config) -> tuple[Sandbox, bool]:
    """The migrated sandbox storage and whether it was fresh (no schema before this start)."""
    db: Database | None = None
    try:
        db = Database(cfg.storage_url, pool_size=2, max_overflow=0, busy_after=cfg.storage.busy_after)
        fresh = not inspect(db.engine).has_table("alembic_version")
        db.migrate()
        db.dispose()
        return Sandbox.open(cfg, migrate=False), fresh
    except Exception as exc:
        if db is not None:
            db.dispose()
        problem = storage_problem(exc, cfg.storage_url)
        if problem is None:
            raise
        raise StartError(problem) from None


def bind_http(host: str, port: int) -> socket.socket:
    """The HTTP listening socket (``sim.listening``; then handed to uvicorn), or ``StartError``."""
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        if _busy_port(exc):
            raise StartError(f"HTTP port {port} on {host} is in use (another imgcloud serve?).\n"
                             f"  Stop it, or choose another port: imgcloud serve --port {port + 1}") from None
        raise StartError(f"cannot listen for HTTP on {host}:{port}: {exc.strerror or exc}.\n"
                         "  Use an address of this machine: imgcloud serve --host 127.0.0.1") from None
    sock.set_inheritable(True)
    return sock


def start_scps(sandbox: Sandbox) -> list[Any]:
    """Every simulated party's DICOM SCP, or ``StartError`` naming the port and the key to change."""
    from reference.app import start_dicom
    from reference.transports.dicom.scp import ScpStartError

    try:
        return start_dicom(sandbox)
    except ScpStartError as exc:
        what = "is in use (another imgcloud serve?)" if _busy_port(exc.cause) else f"cannot be used: {exc.cause.strerror}"
        raise StartError(f"DICOM port {exc.port} on {exc.host} ({exc.party} SCP {exc.ae_title}) {what}.\n"
                         f"  Stop it, or give the SCP another port in a --config file: parties.{exc.party}.port") from None


@dataclass
class Http:
    """uvicorn serving ``sim.server:asgi_factory`` from a socket bound beforehand."""

    sock: socket.socket
    workers: int

    def run(self) -> None:
        import uvicorn
        from uvicorn.supervisors import Multiprocess

        from reference.transports.http.wire import CoalescingHttpToolsProtocol

        host, port = self.sock.getsockname()[:2]
        # keep-alive 30 s, not uvicorn's 5: a client's pool keeps an idle connection 5 s too (httpx's
        # default), so a request sent just then met a connection closing under it (a load test's
        # failure, not the vendor's); longer here, the client closes first.  No access log: the
        # exchange log records every request (and "warning" hid it anyway, after formatting).
        config = uvicorn.Config("sim.server:asgi_factory", factory=True, host=host, port=port, workers=self.workers,
                                http=CoalescingHttpToolsProtocol,
                                log_level="warning", access_log=False, timeout_keep_alive=KEEP_ALIVE_S,
                                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)
        server = uvicorn.Server(config)
        if self.workers > 1:
            try:
                supervisor = Multiprocess(config, sockets=[self.sock])
            except TypeError:  # earlier releases also take the target
                supervisor = Multiprocess(config, target=server.run, sockets=[self.sock])  # type: ignore[call-arg]
            supervisor.run()
        else:
            server.run(sockets=[self.sock])
