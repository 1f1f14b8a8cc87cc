"""Hardening (issue 9, defect 11): the workers of ``imgcloud serve --workers 2`` end when the
serving process is killed outright (they used to go on serving, and the next start failed with
the port in use)."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.servers import IMGCLOUD, free_dicom_ports, free_port


def _serving(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_workers_exit_when_the_parent_is_killed(tmp_path: Path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/_sandbox/health"
    config = free_dicom_ports(tmp_path / "config.yaml")
    proc = subprocess.Popen([*IMGCLOUD, "serve", "--port", str(port), "--workers", "2", "--empty", "--config", str(config)],
                            env={**os.environ, "IMGCLOUD_HOME": str(tmp_path / "home")}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _serving(url):
            assert time.monotonic() < deadline and proc.poll() is None, "imgcloud serve did not start"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: its workers must notice
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _serving(url) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _serving(url), "the workers went on serving after their parent was killed"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
