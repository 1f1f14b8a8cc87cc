"""CPU of one ``saveExamRpotImgIndx`` (1 valid row, a new msgid each) in one process, by component
(a script, not a test: issue 12's saveExamRpotImgIndx row).

The sandbox app is driven in-process through ASGI (no socket, no uvicorn), the request bodies built as
``hotpath_bench.py`` builds them (the same row every request, a new msgid each).  Printed: the
process's CPU (every thread: the handler's, the exchange log writer's, the background pulls') per
request, that CPU by component (each component's functions timed with ``time.thread_time`` in the
thread that runs them: validation, service, exchange record, log writer, pulls; the rest is the lane,
the response and the event loop), and with ``--profile`` every thread's CPU by component (``yappi``, CPU clock, when it is
installed — ``pip install yappi``, a tool, not a dependency — else the calling thread's cProfile).

    .venv/bin/python loadtests/save_profile.py [--requests 1500] [--rounds 2] [--concurrency 1] [--no-pulls] [--profile]
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from inprocess import post  # beside this file

from reference.config import load_config
from reference.national.request import envelope
from reference.sandbox import Sandbox
from sim.demo import demo_index_rows
from sim.server import create_app

PATH = "/mie/api/mie/saveExamRpotImgIndx"
#: Component of a profiled function, by the first fragment of its file name that matches.
COMPONENTS = (
    ("validation", ("transports/http/validation.py", "reference/validation", "jsonschema", "validators/")),
    ("journal/record", ("exchanges/",)),
    ("recorder (ASGI)", ("transports/http/recorder.py", "transports/http/injected.py")),
    ("service", ("families/nhsa_index", "reference/national", "sqlalchemy", "sqlite3", "storage/",
                 "reference/rules")),
    ("pull", ("download_client", "httpx", "httpcore", "pull.py")),
    ("lane + response", ("fastlane.py", "connexion", "starlette")),
)


async def _post(app: Any, body: bytes) -> tuple[int, bytes]:
    return await post(app, PATH, body)


async def _drive(app: Any, bodies: list[bytes], concurrency: int) -> None:
    """Post every body, ``concurrency`` requests in flight at a time (as wrk's connections keep them)."""
    queue = iter(bodies)

    async def client() -> None:
        for body in queue:
            status, _ = await _post(app, body)
            assert status == 200

    await asyncio.gather(*(client() for _ in range(concurrency)))


def _bodies(cfg: Any, count: int) -> list[bytes]:
    centre, rows = demo_index_rows(cfg, 1, on=date.today(), seed=11)
    now = datetime.now()
    return [json.dumps(envelope(cfg, centre, "saveExamRpotImgIndx", rows, now=now - timedelta(seconds=1 + i // 10000),
                                sequence=i % 10000), ensure_ascii=False).encode() for i in range(count)]


class _Timers:
    """CPU seconds of chosen functions, each timed in the thread running it (a function's outermost
    call only; a component inside another is counted in both)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self._local = threading.local()
        self._lock = threading.Lock()

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            inside = self._local.__dict__.setdefault("inside", set())
            if name in inside:
                return fn(*args, **kwargs)
            inside.add(name)
            started = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                inside.discard(name)
                with self._lock:
                    self.totals[name] = self.totals.get(name, 0.0) + time.thread_time() - started
        return timed

    def install(self) -> None:
        """Wrap the components' entry points (before the app is built)."""
        import reference.app as app_module
        from reference.exchanges.log import ExchangeLog
        from reference.exchanges.recorder import Recording
        from reference.families.nhsa_index import service
        from reference.transports.http.recorder import ExchangeRecorder

        make = app_module.make_body_validator

        def make_body_validator(config: Any) -> Any:
            cls = make(config)
            cls._inspect = self.wrap("validation", cls._inspect)
            return cls

        app_module.make_body_validator = make_body_validator  # type: ignore[assignment]
        service.handle = self.wrap("service (handler thread)", service.handle)  # type: ignore[method-assign]
        service._row_findings = self.wrap("  of which row rules", service._row_findings)  # type: ignore[attr-defined]
        service.begin = self.wrap("  of which envelope checks", service.begin)  # type: ignore[attr-defined]
        service.pull_images = self.wrap("pulls (job threads)", service.pull_images)  # type: ignore[attr-defined]
        ExchangeRecorder._write = self.wrap("record: body capture", ExchangeRecorder._write)  # type: ignore[method-assign]
        Recording.finish = self.wrap("record: mask + journal", Recording.finish)  # type: ignore[method-assign]
        ExchangeLog._store = self.wrap("log writer (its thread)", ExchangeLog._store)  # type: ignore[method-assign]


def _component(filename: str) -> str:
    for name, fragments in COMPONENTS:
        if any(f in filename for f in fragments):
            return name
    return "other"


class _Profiler:
    """yappi (every thread, CPU clock) when installed, else cProfile (the calling thread, wall clock)."""

    def __init__(self) -> None:
        try:
            import yappi  # type: ignore[import-not-found]
        except ImportError:
            self.yappi, self.cprofile = None, cProfile.Profile()
            return
        self.yappi, self.cprofile = yappi, None
        yappi.set_clock_type("cpu")
        yappi.clear_stats()

    def start(self) -> None:
        if self.yappi:
            self.yappi.start(builtins=True)
        else:
            self.cprofile.enable()

    def stop(self) -> None:
        if self.yappi:
            self.yappi.stop()
        else:
            self.cprofile.disable()

    def by_component(self) -> dict[str, float]:
        """Self time of each function, summed by component (seconds)."""
        totals: dict[str, float] = {}
        if self.yappi:
            for stat in self.yappi.get_func_stats():
                key = _component(stat.module)
                totals[key] = totals.get(key, 0.0) + stat.tsub
            return totals
        for (filename, _, _), (_, _, tottime, _, _) in pstats.Stats(self.cprofile).stats.items():  # type: ignore[attr-defined]
            key = _component(filename)
            totals[key] = totals.get(key, 0.0) + tottime
        return totals

    def top(self, n: int) -> None:
        if self.yappi:
            stats = self.yappi.get_func_stats().sort("tsub")
            for stat in list(stats)[:n]:
                print(f"   {1000 * stat.tsub:9.1f} ms self {1000 * stat.ttot:9.1f} ms total  {stat.ncall:7d}  "
                      f"{stat.module.split('site-packages/')[-1]}:{stat.lineno} {stat.name}")
        else:
            pstats.Stats(self.cprofile).sort_stats("tottime").print_stats(n)


async def _run(args: argparse.Namespace) -> None:
    timers = _Timers()
    timers.install()
    home = Path(tempfile.mkdtemp(prefix="save-profile-"))
    cfg = load_config(None, home=str(home))
    sandbox = Sandbox.open(cfg)
    if args.no_pulls:
        sandbox.jobs.submit_once = lambda *a, **k: None  # type: ignore[method-assign]
    app = create_app(sandbox=sandbox)
    bodies = _bodies(cfg, args.requests * (args.rounds + 1))
    for body in bodies[:args.requests // 5 or 1]:  # warm-up
        status, reply = await _post(app, body)
        assert status == 200 and b'"code":0' in reply.replace(b" ", b""), reply[:300]
    sandbox.jobs.drain()
    sandbox.exchanges.flush()
    at = args.requests
    for r in range(args.rounds):
        timers.totals.clear()
        profile = _Profiler() if args.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profile.start()
        await _drive(app, bodies[at:at + args.requests], args.concurrency)
        serve_cpu = time.process_time() - cpu
        sandbox.jobs.drain()
        sandbox.exchanges.flush()
        if profile:
            profile.stop()
        total_cpu, total_wall = time.process_time() - cpu, time.perf_counter() - wall
        at += args.requests
        n = args.requests
        print(f"round {r + 1}: {n} requests, CPU {1000 * total_cpu / n:.3f} ms/request (all threads, pulls and "
              f"log writes drained; {1000 * serve_cpu / n:.3f} ms until the last reply), wall {1000 * total_wall / n:.3f} ms")
        measured = dict(timers.totals)
        # Recording.finish runs inside ExchangeRecorder._write: the capture is the difference
        capture = measured.get("record: body capture", 0.0) - measured.get("record: mask + journal", 0.0)
        measured["record: body capture"] = capture
        measured["lane, response, event loop (the rest)"] = total_cpu - sum(
            v for k, v in measured.items() if not k.startswith(" "))
        for name, seconds in measured.items():
            print(f"   {name:<40} {1000 * seconds / n:7.3f} ms/request")
        if profile:
            totals = profile.by_component()
            whole = sum(totals.values())
            print("   self time by component (ms/request; the profiler inflates the absolute: read the shares):")
            for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
                print(f"   {name:<18} {1000 * seconds / n:7.3f}  {100 * seconds / whole:5.1f} %")
            if args.top:
                profile.top(args.top)
    sandbox.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1,
                        help="requests in flight at once (1: one after the other; wrk's 16 connections: 16)")
    parser.add_argument("--no-pulls", action="store_true", help="submit no background pull")
    parser.add_argument("--profile", action="store_true", help="CPU by component (yappi, else cProfile)")
    parser.add_argument("--top", type=int, default=0, help="with --profile: also the top N functions by self time")
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
