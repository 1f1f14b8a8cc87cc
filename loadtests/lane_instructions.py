"""Instructions of one fast-lane request, in process, counted by valgrind's callgrind (a script, not
a test): the figure this VM's drift does not move.

Requests a second and CPU microseconds a request move by up to 3x between hours on this 2-core VM
(the fourteenth sitting measured ``getToken`` at 1,000 req/s served where an earlier hour gave
3,000), so a change of 5-10 % is lost in them.  callgrind counts the instructions the process
executes — every thread, the exchange log's writer included; not the kernel's work (a socket's
copy), not a cache miss's cost — the same within ~2 % run to run.  The sandbox is filled as
``hotpath_bench.py`` fills it; then for each round and each tree (this one, and ``--src``'s when
given, alternating) a child process opens a copy of that home, sends each path's bodies ``--warm``
times (300), and only then is counted, for ``--requests`` more.

    .venv/bin/python loadtests/lane_instructions.py [--paths queryImgCahe getToken] [--requests 300]
        [--rounds 2] [--warm 300] [--src DIR]   # needs Debian's valgrind; ~40 s a path a tree a round

The child is run by valgrind with instrumentation off (``--instr-atstart=no``); the parent turns it
on (``callgrind_control -i on``) once the child has warmed, and off when its requests are answered.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Requests each child sends before it is counted (caches, lookups, sealed records made): ``--warm``.
WARM = 300


def _child(tree: Path, prepared: Path, name: str, count: int, signals: Path, warm: int) -> None:
    """Runs in the counted process: the app of ``tree`` on a copy of the prepared home."""
    sys.path[:0] = [str(tree), str(tree / "loadtests")]
    from lane_cpu_bench import _run  # the tree's own loop, beside its benchmarks

    from reference.config import load_config
    from reference.sandbox import Sandbox
    from sim.server import create_app

    home = Path(tempfile.mkdtemp(prefix="lane-instructions-")) / "home"
    shutil.copytree(prepared / "home", home)
    path, texts = json.loads((prepared / "paths.json").read_text())[name]
    bodies = [t.encode("utf-8") for t in texts]
    sandbox = Sandbox.open(load_config(None, home=str(home)))
    app = create_app(sandbox=sandbox)

    loop = asyncio.new_event_loop()
    loop.run_until_complete(_run(app, path, bodies, warm))
    sandbox.exchanges.flush()
    _signal(signals, "ready")
    _wait(signals, "go")
    loop.run_until_complete(_run(app, path, bodies, count))
    sandbox.exchanges.flush()  # the writer's share counted with the requests that made it
    _signal(signals, "done")
    _wait(signals, "stop")
    sandbox.close()
    shutil.rmtree(home.parent, ignore_errors=True)


def _signal(signals: Path, name: str) -> None:
    (signals / name).write_text("")


def _wait(signals: Path, name: str, timeout: float = 900) -> None:
    end = time.monotonic() + timeout
    while not (signals / name).exists():
        if time.monotonic() > end:
            raise SystemExit(f"no {name} signal in {timeout:.0f} s")
        time.sleep(0.05)


def _count(tree: Path, prepared: Path, name: str, count: int, warm: int) -> int:
    """Instructions a request of ``name`` in ``tree``'s app (a child under callgrind)."""
    signals = Path(tempfile.mkdtemp(prefix="lane-signals-"))
    out = signals / "callgrind.out"
    child = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", sys.executable,
         str(Path(__file__).resolve()), "--child", str(tree), str(prepared), name, str(count), str(signals), str(warm)],
        cwd=tree, env={**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(tree)},
        stdout=subprocess.DEVNULL, stderr=open(signals / "valgrind.log", "w"))  # noqa: SIM115 (closed with the child)
    try:
        _wait(signals, "ready")
        subprocess.run(["callgrind_control", "-i", "on", str(child.pid)], check=True, capture_output=True)
        _signal(signals, "go")
        _wait(signals, "done")
        subprocess.run(["callgrind_control", "-i", "off", str(child.pid)], check=True, capture_output=True)
        _signal(signals, "stop")
        if child.wait(timeout=600) != 0:
            raise SystemExit(f"the child failed: {(signals / 'valgrind.log').read_text()[-2000:]}")
    finally:
        if child.poll() is None:
            child.kill()
    total = sum(int(m) for m in re.findall(r"^(?:summary|totals): (\d+)", out.read_text(), re.M))
    shutil.rmtree(signals, ignore_errors=True)
    return total // count


def _prepare(paths: list[str]) -> Path:
    """A home filled as ``hotpath_bench.py`` fills it, and each path's bodies (``paths.json``)."""
    from hotpath_bench import _bodies  # beside this file

    from reference.config import load_config
    from sim.scenario.server import running_sandbox

    prepared = Path(tempfile.mkdtemp(prefix="lane-instructions-prepared-"))
    with running_sandbox(load_config(None, home=str(prepared / "home"))) as base:
        found = _bodies(base, prepared, 50)
    (prepared / "paths.json").write_text(json.dumps({name: found[name] for name in paths}))
    return prepared


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        tree, prepared, name, count, signals, warm = sys.argv[2:8]
        _child(Path(tree), Path(prepared), name, int(count), Path(signals), int(warm))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", nargs="*", default=["queryImgCahe", "getToken"], choices=["queryImgCahe", "getToken"])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warm", type=int, default=WARM, help="requests before the counted ones")
    parser.add_argument("--src", help="another source tree counted beside this one, alternating (e.g. a checkout of main)")
    args = parser.parse_args()
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        raise SystemExit("needs valgrind (apt-get install valgrind)")
    here = Path(__file__).resolve().parent.parent
    trees = [here, *([Path(args.src).resolve()] if args.src else [])]
    prepared = _prepare(args.paths)
    print(f"callgrind, {args.requests} requests counted after {args.warm}, {args.rounds} rounds; instructions a request")
    try:
        for name in args.paths:
            counts: dict[Path, list[int]] = {tree: [] for tree in trees}
            for _ in range(args.rounds):
                for tree in trees:
                    counts[tree].append(_count(tree, prepared, name, args.requests, args.warm))
            for tree in trees:
                print(f"{name:<14} {str(tree):<40} " + "  ".join(f"{c:>10,}" for c in counts[tree]))
            if args.src:
                ours, theirs = min(counts[trees[0]]), min(counts[trees[1]])
                print(f"{name:<14} this tree / --src (fewest each): {ours / theirs:.3f}")
    finally:
        shutil.rmtree(prepared, ignore_errors=True)


if __name__ == "__main__":
    main()
