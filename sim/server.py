"""The sandbox as ``sim`` serves it: the reference app with the simulated parties' actors lent
(``sim.actors.ACTORS``), for ``imgcloud serve`` (each uvicorn worker calls ``asgi_factory``),
the scenario runner and the tests."""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import os
import signal
import threading
import time

from starlette.types import ASGIApp

from reference.app import CONFIG_ENV, OVERRIDES_ENV
from reference.app import create_app as create_reference_app
from reference.clock import Clock
from reference.config import Config, load_config
from reference.sandbox import Sandbox

from .actors import ACTORS

#: Set by ``imgcloud serve --workers N`` for its workers: the pid they must not outlive.
PARENT_ENV = "IMGCLOUD_PARENT_PID"


def create_app(config: Config | None = None, *, clock: Clock | None = None, sandbox: Sandbox | None = None) -> ASGIApp:
    """Every family served, the simulated parties able to act."""
    return create_reference_app(config, clock=clock, sandbox=sandbox, actors=ACTORS)


def asgi_factory() -> ASGIApp:
    """Entry point for ``uvicorn --factory`` (each worker): config from ``IMGCLOUD_CONFIG``."""
    parent = os.environ.get(PARENT_ENV)
    if parent:
        exit_with_parent(int(parent))
    overrides = json.loads(os.environ.get(OVERRIDES_ENV) or "{}")
    app = create_app(load_config(os.environ.get(CONFIG_ENV) or None, **overrides))
    settle_garbage()
    return app


def settle_garbage() -> None:
    """What start-up built — ~370,000 objects: the specs and their validators, pydicom's and the
    seeds' dictionaries, SQLAlchemy's metadata — set aside from the cyclic garbage collector
    (``gc.freeze``), which otherwise walks every one of them in each full collection: 130–190 ms of
    a stopped event loop each time on a 2-core machine (issue 12: the 1-worker p99 of 110–145 ms at
    16 connections; the DICOM SCPs of ``imgcloud serve``'s own process stopped alike).  Start-up's
    state lives as long as the process."""
    gc.collect()
    gc.freeze()


def exit_with_parent(parent: int, *, every: float = 0.5, grace: float = 5.0) -> threading.Thread:
    """A worker of ``imgcloud serve --workers N`` ends when the serving process does, even when
    that one was killed outright (``kill -9``: no chance to stop its workers): the kernel is asked
    to signal us (Linux ``PR_SET_PDEATHSIG``), and a watchdog notices being re-parented.  SIGTERM
    first (uvicorn shuts down gracefully), then, after ``grace`` seconds, exit."""
    _death_signal(signal.SIGTERM)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace)
        os._exit(1)

    thread = threading.Thread(target=watch, name="imgcloud-parent-watch", daemon=True)
    thread.start()
    return thread


def _death_signal(sig: int) -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the watchdog alone
        pass
