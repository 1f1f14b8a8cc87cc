"""``reference.jobs``: ``submit_once`` coalesces the jobs of one name that have not started (the
province's pull of an index saved again and again before its pull begins, issue 12)."""
from __future__ import annotations

import threading

from reference.jobs import Jobs


def test_submit_once_coalesces_queued_jobs_but_not_started_ones():
    jobs = Jobs(workers=1)
    gate, started, runs = threading.Event(), threading.Event(), []

    def blocker() -> None:
        started.set()
        gate.wait(10)

    try:
        jobs.submit("blocker", blocker)
        assert started.wait(10)
        first = jobs.submit_once("pull A", runs.append, "A1")
        assert first is not None
        assert jobs.submit_once("pull A", runs.append, "A2") is None  # A1 is queued: it does the work
        assert jobs.submit_once("pull B", runs.append, "B1") is not None
        gate.set()
        jobs.drain(10)
        assert runs == ["A1", "B1"]
        assert jobs.submit_once("pull A", runs.append, "A3") is not None  # A1 ran: a new one is queued
        jobs.drain(10)
        assert runs == ["A1", "B1", "A3"]
    finally:
        gate.set()
        jobs.shutdown()


def test_busy_while_queued_or_running_and_finished_within_after():
    jobs = Jobs(workers=1)
    gate, started = threading.Event(), threading.Event()
    at = [100.0]
    jobs.monotonic = lambda: at[0]

    def pull() -> None:
        started.set()
        gate.wait(10)

    try:
        assert not jobs.busy("pull A") and not jobs.finished_within("pull A", 1.0)
        jobs.submit_once("pull A", pull)
        assert started.wait(10)
        assert jobs.busy("pull A") and not jobs.busy("pull B")  # running
        gate.set()
        jobs.drain(10)
        assert not jobs.busy("pull A")
        at[0] += 0.5
        assert jobs.finished_within("pull A", 1.0)
        at[0] += 1.0
        assert not jobs.finished_within("pull A", 1.0)
    finally:
        gate.set()
        jobs.shutdown()
