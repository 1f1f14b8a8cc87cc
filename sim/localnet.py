"""A sandbox on this machine's loopback for benchmarks and tests: free ports, and a
configuration whose DICOM SCPs (hospital PACS, regional archive, gateway store) listen on
free ports and know each other as C-MOVE destinations."""
from __future__ import annotations

import itertools
import os
import random
import socket
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from reference.config import Config, load_config
from sim.fakedata.exams import Exam, make_exam
from sim.fakedata.institutions import make_institutions

#: Where :func:`free_port` looks when the kernel's ephemeral range cannot be read (Linux's default).
EPHEMERAL_DEFAULT = (32768, 60999)
#: The lowest port :func:`free_port` hands out (above the well-known and most registered services).
LOWEST = 20000
#: A window narrower than this (an unusual ephemeral range) is not used: the kernel chooses.
SMALLEST_WINDOW = 1024
#: ``LO-HI``: the ports :func:`free_port` chooses from instead (ports set aside on a shared machine; the
#: share of one of several jobs on it — each pytest-xdist worker of the suite has its own, ``tests/conftest.py``).
PORTS_ENV = "IMGCLOUD_FREE_PORTS"
_handed: Iterator[int]
_handed_lock = threading.Lock()


def _start_walk() -> None:
    """A new random start in the window (each process, forked ones too, walks from its own)."""
    global _handed
    _handed = itertools.count(random.SystemRandom().randrange(1 << 16))


_start_walk()
os.register_at_fork(after_in_child=_start_walk)


def ephemeral_range(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> tuple[int, int]:
    """The ports the kernel hands out for ``bind(0)`` and to outgoing connections."""
    try:
        low, high = (int(part) for part in path.read_text().split())
        return low, high
    except (OSError, ValueError):
        return EPHEMERAL_DEFAULT


def port_window() -> range:
    """The ports :func:`free_port` chooses from: ``$IMGCLOUD_FREE_PORTS`` when set, else outside the
    kernel's ephemeral range."""
    given = os.environ.get(PORTS_ENV, "").strip()
    if given:
        return _given_window(given)
    low, high = ephemeral_range()
    below = range(LOWEST, low)
    above = range(high + 1, 65536)
    return max(below, above, key=len)


def _given_window(text: str) -> range:
    low, sep, high = text.partition("-")
    try:
        window = range(int(low), int(high) + 1) if sep else range(0)
    except ValueError:
        window = range(0)
    if not window or window.start < 1024 or window.stop > 65536:
        raise ValueError(f"{PORTS_ENV}={text!r}: expected LO-HI, two ports between 1024 and 65535, LO <= HI")
    return window


def share(window: range, index: int, count: int) -> range:
    """Part ``index`` (from 0) of ``count`` equal, disjoint parts of ``window`` (the last takes the rest):
    each of ``count`` jobs on one machine chooses ports no other job chooses."""
    if not 0 <= index < count:
        raise ValueError(f"part {index} of {count}")
    size = len(window) // count
    return window[index * size:(index + 1) * size if index < count - 1 else len(window)]


def free_port() -> int:
    """A loopback port free now, for a server started later (an SCP, ``imgcloud serve --port``).

    Chosen outside the kernel's ephemeral range: a port probed free by ``bind(0)`` and released
    may be handed out again at once — to the next ``bind(0)`` (a sandbox's HTTP socket: a clean-clone
    CI run saw an SCP answer its health check) or as an outgoing connection's local port.  Outside
    the range only another explicit choice can take it; this process walks the window from a random
    start, so it never hands out one port twice before it has walked the whole window.  Where
    ``$IMGCLOUD_FREE_PORTS`` is set, only its ports are chosen (none free: ``OSError``).
    """
    window, given = port_window(), bool(os.environ.get(PORTS_ENV, "").strip())
    if len(window) < SMALLEST_WINDOW and not given:
        return _kernel_port()
    for _ in range(len(window)):
        with _handed_lock:
            port = window[next(_handed) % len(window)]
        if bindable(port):
            return port
    if given:  # the kernel's choice would lie outside the ports allowed
        raise OSError(f"no free loopback port in {PORTS_ENV}={os.environ[PORTS_ENV]}")
    return _kernel_port()


def bindable(port: int) -> bool:
    """Whether a loopback socket can bind ``port`` now (without ``SO_REUSEADDR``: not one in TIME_WAIT)."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _kernel_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dicom_config(home: Path, **extra: Any) -> Config:
    """The default config, data in ``home``, the three SCPs on free ports; ``extra`` is merged
    over each party (``hospital={"allowed_callers": [...]}``)."""
    pacs, archive, gateway = free_port(), free_port(), free_port()
    parties: dict[str, Any] = {
        "hospital": {"port": pacs, "move_destinations": {
            "GATEWAY_STORE": {"port": gateway}, "CLOUD_ARCHIVE": {"port": archive}}},
        "regional_platform": {"port": archive}, "gateway": {"port": gateway},
    }
    for party, values in extra.items():
        entry = parties.setdefault(party, {})
        for key, value in values.items():
            entry[key] = {**entry[key], **value} if isinstance(value, dict) and key in entry else value
    return load_config(None, home=str(home), parties=parties)


def exam_of_modality(modality: str, seed: int = 7, on: date = date(2026, 11, 20)) -> Exam:
    """The first generated exam of ``modality`` in ``seed``'s sequence (deterministic)."""
    hospitals = make_institutions(seed, 2, admdvs="510800")
    centre = make_institutions(seed, 1, "imaging_centre", admdvs="510800")[0]
    for i in range(2000):
        exam = make_exam(seed, i, hospitals=hospitals, centre=centre, on=on)
        if exam.modality == modality:
            return exam
    raise LookupError(f"no {modality} exam in the first 2000 of seed {seed}")


def with_free_dicom_ports(config: Config) -> Config:
    """``config`` with every simulated party's SCP on a free loopback port, and the C-MOVE
    destinations that pointed at the old ports moved with them (a private sandbox: nothing
    outside it needs to reach its SCPs, and parallel runs never compete for 11112-11114)."""
    moved: dict[int, int] = {}
    parties = {}
    for name, party in config.parties.items():
        if party.mode == "simulated" and party.ae_title and party.port:
            moved[party.port] = free_port()
            parties[name] = party.model_copy(update={"port": moved[party.port]})
        else:
            parties[name] = party
    for name, party in parties.items():
        if party.move_destinations:
            destinations = {ae: dest.model_copy(update={"port": moved.get(dest.port, dest.port)})
                            for ae, dest in party.move_destinations.items()}
            parties[name] = party.model_copy(update={"move_destinations": destinations})
    return config.model_copy(update={"parties": parties})
