"""Fault draws (issue 13): reproducible across processes and workers — the n-th matching
exchange's draw depends only on (seed, fault id, n), n counted in the database — and delay
distributions (fixed, uniform, normal, lognormal, exponential), seeded and clamped."""
from __future__ import annotations

import random
import statistics
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from reference import fault_delays
from reference.config import Config
from reference.runtime import Fault, FaultError, Runtime, parse_fault
from reference.sandbox import Sandbox
from reference.storage.db import Database
from reference.storage.state import next_count
from tests.databases import BACKENDS, fresh_database

PARTY = "province_index"
OPERATION = "saveExamRpotImgIndx"


@pytest.fixture
def two(storage_url: str, make_config: Callable[..., Config]) -> Any:
    """Two sandboxes (as two workers) on one database."""
    config = make_config(storage={"url": storage_url})
    first = Sandbox.open(config)
    second = Sandbox.open(config.model_copy(deep=True))
    yield first, second
    first.close()
    second.close()


def _fault(**extra: Any) -> Fault:
    return parse_fault({"party": PARTY, "operation": OPERATION, "kind": "status", "status": 503, "seed": 42,
                        "probability": 0.5, **extra}, "f1")


def _sequence(runtimes: list[Runtime], n: int) -> list[tuple[bool, int | None]]:
    """n exchanges, answered in turn by each runtime: fired?, and the draw number marked."""
    out = []
    for i in range(n):
        fired = runtimes[i % len(runtimes)].fault_for(PARTY, OPERATION, None)
        out.append((fired is not None, fired.mark().get("draw") if fired else None))
    return out


def test_two_workers_together_see_the_sequence_one_alone_sees(two: tuple[Sandbox, Sandbox]) -> None:
    first, second = two
    first.runtime.set_faults([_fault()])
    alone = _sequence([first.runtime], 24)
    assert any(f for f, _ in alone) and not all(f for f, _ in alone)
    first.runtime.set_faults([])  # removed: its count starts afresh when it is set again
    first.runtime.set_faults([_fault()])
    second.runtime.refresh(force=True)
    together = _sequence([first.runtime, second.runtime], 24)
    assert together == alone
    assert [d for f, d in together if f] == [n for n, (f, _) in enumerate(alone, 1) if f]


def test_concurrent_workers_never_share_a_draw_number(two: tuple[Sandbox, Sandbox]) -> None:
    first, second = two
    first.runtime.set_faults([_fault(probability=0.999999)])
    second.runtime.refresh(force=True)
    numbers: list[int] = []
    lock = threading.Lock()

    def work(runtime: Runtime) -> None:
        for _ in range(15):
            fired = runtime.fault_for(PARTY, OPERATION, None, refresh=False)
            assert fired is not None and fired.draw is not None
            with lock:
                numbers.append(fired.draw)

    threads = [threading.Thread(target=work, args=(r,)) for r in (first.runtime, second.runtime)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == list(range(1, 31))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_draw_counter_is_atomic_on_every_backend(backend: str, tmp_path: Any) -> None:
    """Four threads counting at once from a missing row (its creation raced too): 1…80, once each."""
    with fresh_database(backend, tmp_path) as url:
        db = Database(url)
        db.migrate()
        counted: list[int] = []

        def work() -> None:
            for _ in range(20):
                counted.append(next_count(db, "fault-draws:f1", datetime(2026, 11, 20)))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        db.dispose()
    assert sorted(counted) == list(range(1, 81))


def test_a_changed_fault_starts_afresh_and_an_unchanged_one_goes_on(two: tuple[Sandbox, Sandbox]) -> None:
    first, _ = two
    first.runtime.set_faults([_fault()])
    _sequence([first.runtime], 5)
    other = parse_fault({"party": "hospital", "kind": "abort", "operation": "C-FIND"}, "f2")
    first.runtime.set_faults([_fault(), other])  # f1 unchanged: its count goes on
    assert [d for _, d in _sequence([first.runtime], 30) if d][0] > 5
    first.runtime.set_faults([_fault(seed=43), other])  # f1 changed: from 1 again
    drawn = [d for _, d in _sequence([first.runtime], 30) if d]
    assert drawn and drawn[0] <= 5


def test_delays_follow_the_draw_number_not_the_process(two: tuple[Sandbox, Sandbox]) -> None:
    first, second = two
    fault = _fault(kind="delay", probability=1, distribution="exponential", delay_ms=100)
    first.runtime.set_faults([fault])
    second.runtime.refresh(force=True)
    a = first.runtime.fault_for(PARTY, OPERATION, None)
    b = second.runtime.fault_for(PARTY, OPERATION, None)
    assert a is not None and b is not None and (a.draw, b.draw) == (1, 2)
    assert first.runtime.delay_seconds(b) == second.runtime.delay_seconds(b) != first.runtime.delay_seconds(a)
    assert a.mark()["distribution"] == "exponential"


DISTRIBUTIONS: list[tuple[dict[str, Any], float, float]] = [  # fields, expected mean (ms), tolerance
    ({"distribution": "fixed", "delay_ms": 80}, 80, 0),
    ({"delay_ms": 80, "jitter_ms": 30}, 80, 3),  # uniform, as before
    ({"distribution": "uniform", "delay_ms": 80, "jitter_ms": 30}, 80, 3),
    ({"distribution": "normal", "delay_ms": 80, "jitter_ms": 10}, 80, 2),
    ({"distribution": "lognormal", "delay_ms": 80, "sigma": 0.4}, 80 * 2.718281828 ** (0.4 ** 2 / 2), 4),
    ({"distribution": "exponential", "delay_ms": 80}, 80, 6),
]


@pytest.mark.parametrize(("fields", "mean", "tolerance"), DISTRIBUTIONS)
def test_each_distribution_is_seeded_and_has_its_mean(fields: dict[str, Any], mean: float, tolerance: float) -> None:
    fault = parse_fault({"party": PARTY, "kind": "delay", "seed": 5, **fields}, "f1")
    values = [fault_delays.sample_ms(fault, random.Random(f"5:f1:{n}:delay:0")) for n in range(4000)]
    again = [fault_delays.sample_ms(fault, random.Random(f"5:f1:{n}:delay:0")) for n in range(4000)]
    assert values == again and min(values) >= 0
    assert abs(statistics.fmean(values) - mean) <= tolerance, statistics.fmean(values)
    if tolerance:
        assert len(set(values)) > 3000


def test_draws_are_clamped_to_zero_and_to_max_ms() -> None:
    wide = parse_fault({"party": PARTY, "kind": "delay", "distribution": "normal", "delay_ms": 10, "jitter_ms": 50,
                        "max_ms": 40}, "f1")
    values = [fault_delays.sample_ms(wide, random.Random(n)) for n in range(2000)]
    assert min(values) == 0 and max(values) == 40
    tail = parse_fault({"party": PARTY, "kind": "delay", "distribution": "lognormal", "delay_ms": 50000,
                        "sigma": 4}, "f1")
    assert max(fault_delays.sample_ms(tail, random.Random(n)) for n in range(200)) == fault_delays.MAX_MS


@pytest.mark.parametrize(("fields", "says"), [
    ({"distribution": "pareto"}, "distribution must be one of"),
    ({"distribution": "normal", "delay_ms": 5}, "standard deviation"),
    ({"distribution": "lognormal", "delay_ms": 5}, "sigma"),
    ({"distribution": "lognormal", "delay_ms": 5, "sigma": 9}, "sigma"),
    ({"distribution": "lognormal", "sigma": 0.5}, "median"),
    ({"distribution": "exponential", "delay_ms": 5, "jitter_ms": 2}, "jitter_ms"),
    ({"distribution": "uniform", "sigma": 0.5}, "lognormal only"),
    ({"max_ms": 120000}, "max_ms"),
])
def test_wrong_distribution_parameters_are_refused(fields: dict[str, Any], says: str) -> None:
    with pytest.raises(FaultError, match=says):
        parse_fault({"party": PARTY, "kind": "delay", **fields}, "f1")


def test_the_fault_endpoint_refuses_them_natively(make_running: Callable[..., Any],
                                                   make_config: Callable[..., Config]) -> None:
    client = make_running(make_config()).client
    reply = client.post("/_sandbox/faults", json={"party": PARTY, "kind": "delay", "distribution": "normal",
                                                   "delay_ms": 5})
    assert reply.status_code == 400 and reply.json()["findings"][0]["rule"] == "SANDBOX-FAULT-INVALID"
    assert "standard deviation" in reply.json()["findings"][0]["en"]
    reply = client.post("/_sandbox/faults", json={"party": PARTY, "kind": "delay", "distribution": "lognormal",
                                                   "delay_ms": 50, "sigma": 0.3, "seed": 9})
    assert reply.status_code == 200 and reply.json()["distribution"] == "lognormal"


def test_a_real_two_worker_server_answers_the_sequence_one_process_draws(tmp_path: Any) -> None:
    """``imgcloud serve --workers 2``, each request on a new connection (both workers answer):
    the n-th request fires exactly when draw (seed, id, n) says so, and is marked with n."""
    import httpx

    from reference.runtime import draw_unit
    from tests.servers import serve

    with serve(tmp_path / "home", "--workers", "2", "--empty") as (base, _banner):
        with httpx.Client(timeout=30) as http:
            stored = http.post(f"{base}/_sandbox/faults", json={"party": PARTY, "operation": OPERATION, "kind": "status",
                                                                "status": 502, "probability": 0.5, "seed": 7}).json()
        fault = _fault(seed=7)
        fault.id = stored["id"]
        statuses, marks = [], []
        for _ in range(20):
            with httpx.Client(timeout=30) as http:  # a new connection each time
                reply = http.post(f"{base}/mie/api/mie/{OPERATION}", json={})
                statuses.append(reply.status_code)
                record = http.get(f"{base}/_sandbox/exchanges", params={"uid": reply.headers["x-imgcloud-exchange"]})
                marks.append((record.json()[0]["response"].get("fault") or {}).get("draw"))
    expected = [draw_unit(fault, n) < 0.5 for n in range(1, 21)]
    assert [s == 502 for s in statuses] == expected and any(expected) and not all(expected)
    assert marks == [n if fired else None for n, fired in enumerate(expected, 1)]
