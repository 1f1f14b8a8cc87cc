"""A real sandbox for a scenario run: uvicorn serving ``sim.server.create_app`` in a
background thread on a free loopback port, started once and stopped cleanly."""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from reference.app import start_dicom
from reference.clock import Clock
from reference.config import Config, load_config
from reference.sandbox import Sandbox
from reference.transports.http.wire import CoalescingHttpToolsProtocol
from sim.listening import listening_socket
from sim.server import create_app

logger = logging.getLogger("imgcloud.scenario")


class SandboxStartError(RuntimeError):
    """The sandbox did not start, or cannot answer its health check."""


def with_public_url(config: Config, url: str) -> Config:
    """``config`` with ``listen.public_url`` set to ``url``."""
    return config.model_copy(update={"listen": config.listen.model_copy(update={"public_url": url})})


@contextmanager
def running_sandbox(config: Config | str | os.PathLike[str] | None = None, *, host: str = "127.0.0.1",
                    clock: Clock | None = None, timeout: float = 30.0, dicom: bool = False,
                    port: int = 0) -> Iterator[str]:
    """Serve the sandbox until the block ends; yields its base URL (``http://127.0.0.1:<port>``).

    ``config`` is a loaded config or a config file (``None``: the built-in default); either
    way its ``listen.public_url`` becomes the served URL (on ``port``; 0: a free one).  With ``dicom``, the simulated parties'
    DICOM SCPs serve too (flow B's C-MOVEs), on the config's ports (``sim.localnet.with_free_dicom_ports``
    gives free ones); a port in use is logged and HTTP still serves, as ``imgcloud serve`` does.
    """
    sock = listening_socket(host, port)  # listening before the SCPs start (sim.listening)
    url = f"http://{host}:{sock.getsockname()[1]}"
    if isinstance(config, Config):
        cfg = with_public_url(config, url)
    else:
        cfg = load_config(Path(config) if config is not None else None, listen={"public_url": url})
    sandbox = Sandbox.open(cfg, clock=clock)
    server = uvicorn.Server(uvicorn.Config(create_app(sandbox=sandbox), log_level="warning", access_log=False,
                                           lifespan="off", http=CoalescingHttpToolsProtocol))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"sandbox {url}", daemon=True)
    scps: list[Any] = []
    try:
        if dicom:
            scps = _start_dicom(sandbox)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise SandboxStartError(f"the sandbox did not start at {url}")
            time.sleep(0.02)
        _warm_up(url, cfg.admin_token())
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        for scp in scps:
            scp.stop()
        sandbox.close()


def _start_dicom(sandbox: Sandbox) -> list[Any]:
    try:
        return start_dicom(sandbox)
    except OSError as exc:
        logger.warning("DICOM SCPs not started: %s", exc)
        return []


def _warm_up(url: str, admin_token: str) -> None:
    """One health request: Connexion builds its routes on the first request, and a sandbox that
    cannot serve fails here, once, rather than in every step (with the admin token: a config may
    protect everything under ``/_sandbox/``)."""
    response = httpx.get(f"{url}/_sandbox/health", timeout=30, headers={"X-Imgcloud-Admin": admin_token})
    if response.status_code != 200:
        raise SandboxStartError(f"the sandbox at {url} answers /_sandbox/health with {response.status_code}: "
                           f"{response.text[:300]}")
