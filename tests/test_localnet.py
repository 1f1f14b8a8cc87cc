"""Free ports for servers started later, and a sandbox whose HTTP port no SCP can share.

A clean-clone CI run failed a module's set-up when the sandbox's own health check was answered
by a DICOM SCP: the SCPs' ports were probed free and released, then the kernel handed one of them
to the sandbox's HTTP socket, bound but not yet listening, and the SCP bound it too."""
from __future__ import annotations

import itertools
import os
import socket
import warnings
from pathlib import Path

import httpx
import pytest

from reference.config import load_config
from sim import localnet
from sim.localnet import dicom_config, free_port, port_window
from sim.scenario.server import running_sandbox


def test_free_ports_lie_outside_the_kernels_ephemeral_range():
    low, high = localnet.ephemeral_range()
    ports = [free_port() for _ in range(200)]
    assert all(not low <= port <= high for port in ports)
    assert all(port in port_window() for port in ports)


def test_a_process_never_hands_out_one_port_twice_in_a_row_of_calls():
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == len(ports)


def test_a_forked_child_walks_from_its_own_start():
    """A forked child does not repeat its parent's ports (equal starts: 1 chance in 65,536)."""
    read, write = os.pipe()
    with warnings.catch_warnings():  # Python 3.12+ warns of fork in a threaded process; this child
        warnings.simplefilter("ignore", DeprecationWarning)  # takes no lock: it writes and exits
        child = os.fork()
    if child == 0:
        os.write(write, str(next(localnet._handed)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read, "rb") as pipe:
        theirs = int(pipe.read())
    assert theirs != next(localnet._handed)


def test_a_free_port_can_be_listened_on():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()


def test_a_port_in_use_is_passed_over(monkeypatch):
    with socket.socket() as busy, socket.socket() as probe:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
        probe.close()
        monkeypatch.setattr(localnet, "port_window", lambda: [busy.getsockname()[1], free])
        monkeypatch.setattr(localnet, "SMALLEST_WINDOW", 2)
        monkeypatch.setattr(localnet, "_handed", itertools.count(0))
        assert localnet.free_port() == free


def test_the_window_is_the_larger_side_of_the_ephemeral_range(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(localnet.PORTS_ENV, raising=False)  # (a test worker's share: tests/conftest.py)
    ranges = tmp_path / "ip_local_port_range"
    ranges.write_text("32768\t60999\n")
    assert localnet.ephemeral_range(ranges) == (32768, 60999)
    ranges.write_text("1024 40000\n")
    assert localnet.ephemeral_range(ranges) == (1024, 40000)
    assert localnet.ephemeral_range(tmp_path / "absent") == localnet.EPHEMERAL_DEFAULT
    monkeypatch.setattr(localnet, "ephemeral_range", lambda: (1024, 40000))
    assert port_window() == range(40001, 65536)
    monkeypatch.setattr(localnet, "ephemeral_range", lambda: (32768, 60999))
    assert port_window() == range(localnet.LOWEST, 32768)


def test_an_scp_given_the_sandboxs_http_port_cannot_take_it(tmp_path: Path):
    """The SCPs start before uvicorn serves: the HTTP socket must already be listening, or an SCP
    told to use its port binds it as well and answers the sandbox's health check (as in CI)."""
    port = free_port()
    config = dicom_config(tmp_path, hospital={"port": port})
    assert load_config(None).parties["hospital"].port != port
    with running_sandbox(config, port=port, dicom=True) as url:
        reply = httpx.get(f"{url}/_sandbox/health", headers={"X-Imgcloud-Admin": config.admin_token()})
        assert reply.status_code == 200


def test_a_given_range_is_the_window(monkeypatch):
    monkeypatch.setenv(localnet.PORTS_ENV, "41000-41099")
    assert port_window() == range(41000, 41100)
    ports = [free_port() for _ in range(50)]
    assert all(41000 <= port <= 41099 for port in ports) and len(set(ports)) == 50


def test_a_given_range_with_no_free_port_is_an_error_not_a_port_outside_it(monkeypatch):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        monkeypatch.setenv(localnet.PORTS_ENV, f"{port}-{port}")
        with pytest.raises(OSError, match=localnet.PORTS_ENV):
            free_port()


@pytest.mark.parametrize("text", ["41000", "41100-41000", "80-90", "60000-70000", "a-b", "41000-"])
def test_a_malformed_range_is_refused_naming_the_variable(monkeypatch, text):
    monkeypatch.setenv(localnet.PORTS_ENV, text)
    with pytest.raises(ValueError, match=localnet.PORTS_ENV):
        free_port()


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shares_of_a_window_are_disjoint_and_cover_it(count):
    window = range(20000, 32768)
    parts = [localnet.share(window, index, count) for index in range(count)]
    assert sorted(port for part in parts for port in part) == list(window)
    with pytest.raises(ValueError):
        localnet.share(window, count, count)


def test_a_test_worker_chooses_from_its_own_share(monkeypatch):
    """Under ``tests/run.sh`` (pytest-xdist) each worker's window is its share (``tests/conftest.py``)."""
    worker, count = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if worker is None or count is None or int(count) < 2:
        pytest.skip("not run by a pytest-xdist worker of two or more")
    ours = port_window()
    assert free_port() in ours
    monkeypatch.delenv(localnet.PORTS_ENV)
    assert ours == localnet.share(port_window(), int(worker[2:]), int(count))
