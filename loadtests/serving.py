"""Servers the benchmark scripts start in processes of their own: start one, wait until it
answers, count its CPU, and stop it with every process it started (a script, not a test helper)."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from sim.localnet import bindable, free_port


@dataclass
class Server:
    url: str    # the URL it answered on (the health URL given to ``serving``)
    group: int  # its process group: the server and its workers

    def cpu(self) -> float:
        """CPU seconds (user + system) of every live process of the group."""
        tick, total = os.sysconf("SC_CLK_TCK"), 0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.group:  # field 5 of stat: the process group
                total += int(fields[11]) + int(fields[12])
        return total / tick

    @property
    def base(self) -> str:
        """Scheme, host and port of ``url``."""
        scheme, _, host = self.url.split("/", 3)[:3]
        return f"{scheme}//{host}"


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until ``url`` answers; an error when the process exits or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def unwind_on_sigterm() -> None:
    """Let SIGTERM unwind the script (``SystemExit``), as Ctrl-C does: its servers run in sessions of
    their own, which the signal does not reach, and only the ``serving`` blocks' ``finally`` stops them
    — a benchmark ended by ``timeout`` or a CI job's end left its sandbox, anchor and Orthanc running.
    Installed by ``serving`` in the main thread, unless the script has its own handler."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit)


@contextmanager
def serving(args: list[str], health: str, env: dict[str, str] | None = None, log: Path | None = None,
            cwd: str | None = None) -> Iterator[Server]:
    """Run ``args`` in a new session until the block ends; yields once ``health`` answers."""
    unwind_on_sigterm()
    with (log.open("wb") if log else open(os.devnull, "wb")) as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd)
        try:
            wait_up(health, proc)
            yield Server(health, proc.pid)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def port_picker(spec: str | None) -> Callable[[], int]:
    """Free loopback ports: ``free_port``'s (``spec`` None: outside the kernel's ephemeral range), or
    the next free one of ``LO-HI``."""
    if not spec:
        return free_port
    low, high = (int(p) for p in spec.split("-"))
    candidates = iter(range(low, high + 1))

    def pick() -> int:
        for port in candidates:
            if bindable(port):
                return port
        raise SystemExit(f"no free port left in {spec}")
    return pick
