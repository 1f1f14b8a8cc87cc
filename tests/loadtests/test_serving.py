"""A benchmark script ended by SIGTERM (``timeout``, a CI job's end) stops the servers it started
(``loadtests/serving.py``): they run in sessions of their own, which the signal does not reach."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys, time
from serving import serving
from sim.localnet import free_port
port = free_port()
with serving([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)], f"http://127.0.0.1:{port}/") as server:
    print(server.group, flush=True)
    time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_script_ended_by_sigterm_stops_its_server(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "loadtests"), str(ROOT)])}
    server = 0
    with subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                          text=True) as script:
        try:
            assert script.stdout is not None
            server = int(script.stdout.readline())
            assert _alive(server)
            script.send_signal(signal.SIGTERM)
            assert script.wait(timeout=30) == 128 + signal.SIGTERM
            deadline = time.monotonic() + 10
            while _alive(server) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not _alive(server), "the server outlived the script"
        finally:
            script.kill()
            if server and _alive(server):
                os.killpg(server, signal.SIGKILL)
