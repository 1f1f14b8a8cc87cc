"""CPU of one fast-lane request, in process (a script, not a test): the sandbox's ASGI app called
directly, no sockets, no wrk — the figure a shared machine does not blur.

The sandbox is filled as ``hotpath_bench.py`` fills it (served once on loopback for the hospital's
upload), then opened again in this process and each path's bodies are sent in turn; printed: CPU
milliseconds per request of the whole process (``time.process_time``: every thread, the exchange
log's writer included) and the wall time.  ``--profile`` prints cProfile's top functions.

    .venv/bin/python loadtests/lane_cpu_bench.py [--requests 3000] [--paths queryImgCahe getToken]
        [--profile] [--rounds 5] [--validation]
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from hotpath_bench import _bodies  # beside this file: the same bodies as the wrk benchmark
from inprocess import post  # beside this file

from reference.config import load_config
from reference.sandbox import Sandbox
from sim.scenario.server import running_sandbox
from sim.server import create_app


async def _one(app: Any, path: str, body: bytes) -> int:
    """One POST through the ASGI app; its status (the reply is dropped)."""
    return (await post(app, path, body, keep_body=False))[0]


async def _run(app: Any, path: str, bodies: list[bytes], count: int) -> tuple[float, float, dict[int, int]]:
    statuses: dict[int, int] = {}
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(count):
        status = await _one(app, path, bodies[i % len(bodies)])
        statuses[status] = statuses.get(status, 0) + 1
    return time.process_time() - cpu, time.perf_counter() - wall, statuses


def _validation(paths: dict[str, tuple[str, list[str]]], names: list[str], repeat: int) -> None:
    """``inspect_body`` alone on each path's first body, with and without the quick check: CPU
    microseconds a body (best of 5 runs of ``repeat``)."""
    import reference.validation.inspect as inspection
    from reference.families import all_families
    from reference.transports.http.fastlane import HOT
    from reference.transports.http.specs import joined_spec

    schemas = {op["operationId"]: op["requestBody"]["content"]["application/json"]["schema"]
               for item in joined_spec(all_families()).spec["paths"].values() for op in item.values()
               if isinstance(op, dict) and op.get("operationId") in HOT and "requestBody" in op}  # not WADO's GET
    operation = {"queryImgCahe": "imgDld", "getToken": "getToken", "saveExamRpotImgIndx": "saveExamRpotImgIndx"}
    for name in names:
        op, text = operation[name], paths[name][1][0]
        for quick in (False, True):
            inspection.QUICK = quick
            best = min(_inspect_cpu(inspection.inspect_body, schemas[op], op, text, repeat) for _ in range(5))
            print(f"{name:<22} inspect_body {'quick check' if quick else 'full       '} {1e6 * best:8.1f} us CPU/body")
    inspection.QUICK = True


def _inspect_cpu(inspect: Any, schema: dict[str, Any], operation: str, text: str, repeat: int) -> float:
    bodies = [json.loads(text) for _ in range(repeat)]  # a fresh body each: the normaliser works in place
    cpu = time.process_time()
    for body in bodies:
        inspect(body, schema, operation=operation)
    return (time.process_time() - cpu) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--paths", nargs="*", default=["queryImgCahe", "getToken"])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--validation", action="store_true", help="also inspect_body alone, with and without the quick check")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lane-cpu-"))
    config = load_config(None, home=str(tmp / "home"))
    with running_sandbox(config) as base:
        paths = _bodies(base, tmp, args.requests)
    if args.validation:
        _validation(paths, args.paths, 2000)
    sandbox = Sandbox.open(config)
    app = create_app(sandbox=sandbox)
    loop = asyncio.new_event_loop()
    try:
        for name in args.paths:
            path, texts = paths[name]
            bodies = [t.encode("utf-8") for t in texts]
            loop.run_until_complete(_run(app, path, bodies, min(200, args.requests)))  # warm: caches, lookups
            cpus = []
            for _ in range(args.rounds):
                cpu, wall, statuses = loop.run_until_complete(_run(app, path, bodies, args.requests))
                cpus.append(1000 * cpu / args.requests)
                print(f"{name:<22} {cpus[-1]:7.3f} ms CPU/request  "
                      f"{1000 * wall / args.requests:7.3f} ms wall/request  statuses {statuses}")
            print(f"{name:<22} min {min(cpus):.3f}, median {statistics.median(cpus):.3f} ms CPU/request "
                  f"({args.rounds} rounds of {args.requests})")
            if args.profile:
                profiler = cProfile.Profile()
                profiler.enable()
                loop.run_until_complete(_run(app, path, bodies, args.requests))
                profiler.disable()
                stats = pstats.Stats(profiler).sort_stats("tottime")
                stats.print_stats(25)
                stats.sort_stats("cumulative").print_stats(40)
    finally:
        loop.close()
        sandbox.close()
    print(json.dumps({"home": str(tmp)}))


if __name__ == "__main__":
    main()
