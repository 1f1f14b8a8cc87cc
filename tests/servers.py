"""Real sandbox processes for tests that need real sockets (`imgcloud serve`)."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from sim.localnet import free_port

__all__ = ["IMGCLOUD", "free_dicom_ports", "free_port", "serve"]

IMGCLOUD = [sys.executable, "-c", "from sim.cli import main; main()"]


def free_dicom_ports(path: Path, **extra: Any) -> Path:
    """A config file (written to ``path``) whose three SCPs listen on free loopback ports, with
    ``extra`` top-level keys (``storage={"url": …}``)."""
    pacs, archive, gateway = free_port(), free_port(), free_port()
    path.write_text(yaml.safe_dump({**extra, "parties": {
        "hospital": {"port": pacs, "move_destinations": {"GATEWAY_STORE": {"port": gateway},
                                                         "CLOUD_ARCHIVE": {"port": archive}}},
        "regional_platform": {"port": archive}, "gateway": {"port": gateway}}}), encoding="utf-8")
    return path


@contextmanager
def serve(home: Path, *args: str, port: int | None = None, timeout: float = 30.0) -> Iterator[tuple[str, str]]:
    """Run ``imgcloud serve`` until the block ends; yields ``(base_url, banner)``.  Without a
    ``--config`` of the caller's, the DICOM SCPs listen on free ports (several test runs, or a
    sandbox a developer is running, never compete for 11112–11114)."""
    port = port or free_port()
    env = {**os.environ, "IMGCLOUD_HOME": str(home)}
    log = home.parent / f"serve-{port}.log"
    home.mkdir(parents=True, exist_ok=True)
    if "--config" not in args:
        args = (*args, "--config", str(free_dicom_ports(home.parent / f"serve-{port}.yaml")))
    with log.open("wb") as out:
        proc = subprocess.Popen([*IMGCLOUD, "serve", "--port", str(port), *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}/_sandbox/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"imgcloud serve did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base, log.read_text(errors="replace")
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have exited (a port taken)
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
