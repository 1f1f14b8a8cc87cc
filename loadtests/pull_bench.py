"""What one background pull of the province costs (issue 12; a script, not a test), beside its
anchor in the same run.

A sandbox serves in this process (uvicorn in a thread, SQLite); the simulated hospital uploads one
exam; then the province's ``pull_images`` (queryImgCaheFileSn, queryImgCahe per instance: decode,
parse, check the UIDs, store) is run again and again in three ways, alternating rounds:

- anchor: the same HTTP requests through one reused bare ``httpx.Client`` (no checks, nothing stored);
- a new client per pull (what every pull did before issue 12: ``httpx.Client`` built per pull);
- the shared client per peer (``reference.transports.http.client.shared_client``).

Printed: wall time and the pulling thread's CPU time per pull, and the ratio to the anchor.  The
CPU of building one ``httpx.Client`` is printed too.

    .venv/bin/python loadtests/pull_bench.py [--rounds 5] [--start 2]
"""
from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from reference.config import load_config
from reference.families.nhsa_index.pull import pull_images
from reference.sandbox import Sandbox
from sim.scenario.server import running_sandbox, with_public_url


def _upload(base: str, admin: str, start: int) -> str:
    with httpx.Client(base_url=base, timeout=600, headers={"X-Imgcloud-Admin": admin}) as http:
        exam = http.post("/_sandbox/actions/hospital-upload",
                         json={"hospital": "H51080200011", "count": 1, "seed": 7, "start": start}).json()["exams"][0]
        hi = exam["hiImgIndx"]
        deadline = time.monotonic() + 300
        while http.get(f"/_sandbox/state/province/indexes/{hi}").json().get("pullStatus") != "pulled":
            if time.monotonic() > deadline:
                raise RuntimeError("the first pull did not finish")
            time.sleep(0.2)
    return str(hi)


def _anchor(http: httpx.Client, url: str, hi: str) -> None:
    files = http.post(url, json={"hiImgIndx": hi, "serviceName": "queryImgCaheFileSn"}).json()["data"]["imgFileSnList"]
    for entry in files:
        http.post(url, json={"hiImgIndx": hi, "imgFileSn": entry, "serviceName": "queryImgCahe"}).read()


def _measure(call: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.thread_time()
    call()
    return time.perf_counter() - wall, time.thread_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--start", type=int, default=2, help="which exam of seed 7 (default 2: a head CT)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    home = Path(tempfile.mkdtemp(prefix="pull-bench-"))
    config = load_config(None, home=str(home))
    with running_sandbox(config) as base:
        hi = _upload(base, config.admin_token(), args.start)
        sandbox = Sandbox.open(with_public_url(config, base), migrate=False)
        url = f"{base}/centre/S51080200001/imgDld"
        anchor_http = httpx.Client(timeout=60)
        ways: dict[str, Callable[[], object]] = {
            "anchor: bare reused httpx.Client, no checks": lambda: _anchor(anchor_http, url, hi),
            "before: a new client per pull": lambda: (sandbox._shared.clear(), pull_images(sandbox, hi)),
            "after: the shared client per peer": lambda: pull_images(sandbox, hi),
        }
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, call in ways.items():
                results[name].append(_measure(call))
        build = [_measure(lambda: httpx.Client().close())[1] for _ in range(20)]
        images = len(anchor_http.post(url, json={"hiImgIndx": hi, "serviceName": "queryImgCaheFileSn"}).json()
                     ["data"]["imgFileSnList"])
        anchor_http.close()
        sandbox.close()
    print(f"one pull of {images} images (exam {args.start} of seed 7), median of {args.rounds} alternating rounds")
    base_wall, base_cpu = (statistics.median(x) for x in zip(*results[next(iter(ways))], strict=True))
    for name, runs in results.items():
        wall, cpu = (statistics.median(x) for x in zip(*runs, strict=True))
        print(f"{name:<46} {wall * 1000:8.1f} ms wall {cpu * 1000:8.1f} ms CPU"
              f"   anchor/this: wall {base_wall / wall:5.2f}, CPU {base_cpu / cpu:5.2f}")
    print(f"building one httpx.Client: {statistics.median(build) * 1000:.1f} ms CPU (median of 20)")


if __name__ == "__main__":
    main()
