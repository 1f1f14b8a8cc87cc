"""Benchmark of the image download service (queryImgCahe), the hot path the province hammers.

Not a test: it prints figures.  It starts a sandbox (or uses ``--target``), has the
simulated hospital upload one CT exam, then drives ``queryImgCahe`` for every instance
with wrk (Debian package ``wrk``) when available, else with a thread pool of httpx
clients, and prints requests/s and MB/s of response bodies.

    .venv/bin/python loadtests/imgdld_bench.py [--seconds 10] [--connections 8] [--workers 1]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from reference.config import load_config
from sim.scenario.server import running_sandbox

#: wrk's Lua: the bodies file's lines in turn, each wrk thread (``-t``, at most ``THREADS``) taking every
#: ``THREADS``-th line from its own offset — without it every thread sent the same sequence, and a
#: benchmark of bodies meant to be sent once each (``saveExamRpotImgIndx``: a new msgid each) sent
#: each twice, the second a replay of the stored response.
THREADS = 2
LUA = """
local bodies = {}
local sent = -1
local threads = 0
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
request = function()
  sent = sent + 1
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/json"},
                    bodies[(sent * %(threads)d + (id or 0)) %% #bodies + 1])
end
"""


def prepare(base: str, start: int) -> tuple[str, list[str]]:
    """Upload one exam through the simulated hospital; the imgDld path and request bodies.

    Exam 2 of seed 7 is a head CT: 512x512 slices, ~514 KB files, ~690 KB base64 replies."""
    with httpx.Client(base_url=base, timeout=300) as http:
        up = http.post("/_sandbox/actions/hospital-upload",
                       json={"hospital": "H51080200011", "count": 1, "seed": 7, "start": start}).json()
        exam = up["exams"][0]
        hi = exam["hiImgIndx"]
        state = http.get(f"/_sandbox/state/centre/S51080200001/exams/{hi}").json()
        path = "/centre/S51080200001/imgDld"
        listing = http.post(path, json={"hiImgIndx": hi, "serviceName": "queryImgCaheFileSn"}).json()
    entries = listing["data"]["imgFileSnList"]
    bodies = [json.dumps({"hiImgIndx": hi, "imgFileSn": e, "serviceName": "queryImgCahe"}) for e in entries]
    size = len(http_reply_example(base, path, bodies[0]))
    print(f"exam {hi}: {len(entries)} instances, status {state.get('status')}, reply body {size / 1024:.0f} KB")
    return path, bodies


def http_reply_example(base: str, path: str, body: str) -> bytes:
    with httpx.Client(base_url=base, timeout=30) as http:
        return http.post(path, content=body, headers={"content-type": "application/json"}).content


def run_wrk(base: str, path: str, bodies: list[str], seconds: int, connections: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bodies.txt").write_text("\n".join(bodies))
        script = Path(tmp) / "imgdld.lua"
        script.write_text(LUA % {"bodies": Path(tmp) / "bodies.txt", "path": path, "threads": THREADS})
        out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "-s", str(script), "--latency", base],
                             capture_output=True, text=True, check=True).stdout
    print(out)
    print("(wrk's Transfer/sec counts the whole HTTP response: headers + JSON body with the base64 DICOM)")


def run_threads(base: str, path: str, bodies: list[str], seconds: int, connections: int) -> None:
    stop = time.monotonic() + seconds
    counts, sizes, latencies = [0] * connections, [0] * connections, [[] for _ in range(connections)]

    def worker(k: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            i = k
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                reply = http.post(path, content=bodies[i % len(bodies)], headers={"content-type": "application/json"})
                latencies[k].append(time.perf_counter() - t0)
                counts[k] += 1
                sizes[k] += len(reply.content)
                i += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    lat = sorted(x for xs in latencies for x in xs)
    print(f"{sum(counts)} requests in {elapsed:.1f} s: {sum(counts) / elapsed:.1f} req/s, "
          f"{sum(sizes) / elapsed / 1e6:.1f} MB/s of bodies; latency median {statistics.median(lat) * 1000:.1f} ms, "
          f"p99 {lat[int(len(lat) * 0.99)] * 1000:.1f} ms (python client; wrk measures the server better)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", help="a running sandbox (default: start one)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--python-client", action="store_true", help="use httpx threads even if wrk is installed")
    parser.add_argument("--start", type=int, default=2, help="which exam of seed 7 (default 2: a head CT)")
    args = parser.parse_args()
    with ExitStack() as stack:
        base = args.target
        if base is None:
            home = stack.enter_context(tempfile.TemporaryDirectory())
            base = stack.enter_context(running_sandbox(load_config(None, home=home)))
        path, bodies = prepare(base, args.start)
        if shutil.which("wrk") and not args.python_client:
            run_wrk(base, path, bodies, args.seconds, args.connections)
        else:
            run_threads(base, path, bodies, args.seconds, args.connections)


if __name__ == "__main__":
    main()
