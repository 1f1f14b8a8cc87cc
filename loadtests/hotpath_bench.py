"""The hot paths of issue 12 beside their anchor, in one run (a script, not a test).

The anchor is a minimal Starlette app served by the same uvicorn (one worker, same flags) in its
own process: ``POST /json`` answers a small JSON
body (the anchor of ``getToken`` and ``saveExamRpotImgIndx``), ``POST /file`` sends the same
bytes ``queryImgCahe`` sends, from a file (a static file, held in memory).  The sandbox is ``imgcloud
serve`` in its own process.  Each path is driven by wrk (Debian package ``wrk``) with the same
threads, connections and duration, the sandbox and the anchor alternating rounds; printed:
requests/s, median and p99 latency, and ours / anchor.  Where Orthanc is installed (Debian package
``orthanc``; ``--no-orthanc`` skips it), ``queryImgCahe`` is also set beside the issue's own anchor,
a private Orthanc sending the same DICOM file (``GET /instances/{id}/file``, ~514 KB: the sandbox's
reply is that file base64-encoded in the JSON envelope seeds/000 §1.4 prescribes, ~685 KB).

    .venv/bin/python loadtests/hotpath_bench.py [--seconds 8] [--connections 16] [--rounds 2]
        [--workers 1] [--src DIR]      # --src: serve the sandbox from another source tree (a "before")

- ``queryImgCahe``: one instance of a head CT (exam 2 of seed 7, ~514 KB file, ~690 KB reply),
  the bodies of every instance in turn;
- ``getToken``: one hospital's uid and key (after 30 a day the answer is 11004: that is the path
  measured, a serialised write, as a vendor's load test would hit it);
- ``saveExamRpotImgIndx``: one valid row per request, a new msgid each (no replay: each wrk thread
  sends its own share of the bodies, each round its own — until the fourth sitting of 2026-12-02 both
  threads sent the same sequence and every round the first round's, so half or more of the requests
  measured were replays of a stored response; a round that runs out is flagged); the row is the
  same every time, so the province pulls it again only as ``nhsa_index.service`` decides (a failed
  pull at most once a second: the row names an exam the served centre does not hold).  Also set beside
  a *bare save* in the anchor's process (``POST /save``, fifth sitting): the body parsed, its msgid
  and its rows written in one SQLite transaction (WAL, ``synchronous=NORMAL``, as the sandbox) in a
  worker thread under one writer lock, a small JSON reply — no checks, no exchange record, no
  journal: what the save's unavoidable part costs in Python on this machine, the floor of the
  ``saveExamRpotImgIndx`` target.
- the 200-user retrieval mix's other operations (``--paths`` names them; not run by default): a
  doctor's ``queryFormerlyExam``, ``queryExamPdfData`` and ``getdigitalImageUrl`` (seeds/003, with the
  ``X-Token`` a doctor sends; one exam the bench's hospital uploads to the provincial cloud), the film
  page getdigitalImageUrl's URL opens (``filmPage``, GET) and a viewer's ``WADO`` (WADO-URI GET of
  the CT's first instance from the hospital PACS), each beside the
  anchor sending the very reply the sandbox sent, from memory (``/reply/{name}``); WADO also beside
  Orthanc's file GET of the same file.

Each row also prints the server's CPU a request (every process of its group, user + system, from
``/proc``, over the run that printed the row): on a machine whose speed drifts, the figure the drift
blurs least.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import orthanc_anchor  # beside this file
from imgdld_bench import LUA, THREADS  # beside this file: the same wrk script (a body per line, in turn)
from serving import Server, port_picker, serving  # beside this file

from reference.config import load_config
from reference.national.request import envelope
from sim.demo import demo_index_rows
from sim.loaddata import DEFAULT_START, fill_cloud, tokens
from sim.localnet import free_port
from sim.scenario.server import with_public_url

ANCHOR = """
import json
import sqlite3
import sys
import threading

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

with open(sys.argv[2], "rb") as f:
    BYTES = f.read()  # the reply queryImgCahe sends, read once: a static file served from memory

DB = sys.argv[3]
SCHEMA = ("CREATE TABLE IF NOT EXISTS messages (msgid TEXT PRIMARY KEY, body TEXT NOT NULL)",
          "CREATE TABLE IF NOT EXISTS rows (hi TEXT PRIMARY KEY, msgid TEXT NOT NULL, row TEXT NOT NULL)")
WRITER = threading.Lock()  # one writing transaction at a time in this process, as SQLite allows
CONNECTIONS = threading.local()


def connection():
    conn = getattr(CONNECTIONS, "conn", None)
    if conn is None:
        conn = CONNECTIONS.conn = sqlite3.connect(DB, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
            conn.execute("PRAGMA " + pragma)
    return conn


def store(body):
    conn = connection()
    with WRITER:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT INTO messages VALUES (?, ?)", (body["msgid"], json.dumps(body)))
            conn.executemany("INSERT INTO rows VALUES (?, ?, ?) ON CONFLICT (hi) DO UPDATE SET msgid = excluded.msgid,"
                             " row = excluded.row", [(r["hiImgIndx"], body["msgid"], json.dumps(r)) for r in body["input"]])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


async def small(request):
    await request.body()
    return JSONResponse({"code": 200, "msg": "ok", "datas": {"token": "x" * 43}})

async def file(request):
    await request.body()
    return Response(BYTES, media_type="application/json")

REPLIES = {}  # the retrieval mix's replies as the sandbox sent them (--paths MIX): name -> (bytes, media type)
if len(sys.argv) > 4:
    with open(sys.argv[4], encoding="utf-8") as f:
        for name, (path, media_type) in json.load(f).items():
            with open(path, "rb") as g:
                REPLIES[name] = (g.read(), media_type)

async def reply(request):
    await request.body()
    data, media_type = REPLIES[request.path_params["name"]]
    return Response(data, media_type=media_type)

async def save(request):
    body = json.loads(await request.body())
    await anyio.to_thread.run_sync(store, body)
    return JSONResponse({"infcode": 0, "msgid": body["msgid"], "output": [{"hiImgIndx": r["hiImgIndx"], "succFlag": "1"}
                                                                         for r in body["input"]]})

for statement in SCHEMA:
    connection().execute(statement)
app = Starlette(routes=[Route("/json", small, methods=["POST"]), Route("/file", file, methods=["POST"]),
                        Route("/save", save, methods=["POST"]), Route("/reply/{name}", reply, methods=["GET", "POST"])])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


#: The next port to listen on: of ``--ports LO-HI`` (a range of one's own on a shared machine), else any free one.
_port: Callable[[], int] = free_port


def _sandbox(tmp: Path, workers: int, src: str | None) -> Any:
    port = _port()
    config = tmp / "config.yaml"
    config.write_text(json.dumps({"parties": {"hospital": {"port": _port()}, "regional_platform": {"port": _port()},
                                              "gateway": {"port": _port()}}}))
    env = {**os.environ, "IMGCLOUD_HOME": str(tmp / "home")}
    if src:
        env["PYTHONPATH"] = src
    args = [sys.executable, "-c", "from sim.cli import main; main()", "serve", "--empty", "--port", str(port),
            "--workers", str(workers), "--config", str(config)]
    # ``python -c`` puts the working directory first on sys.path, before PYTHONPATH: run in ``src``, or
    # the tree the script is run from is served instead
    return serving(args, f"http://127.0.0.1:{port}/_sandbox/health", env, tmp / "serve.log", cwd=src)


def _bodies(base: str, tmp: Path, count: int) -> dict[str, tuple[str, list[str]]]:
    """Per path: the URL path and the request bodies wrk cycles through."""
    cfg = load_config(None, home=str(tmp / "home"))
    with httpx.Client(base_url=base, timeout=600, headers={"X-Imgcloud-Admin": cfg.admin_token()}) as http:
        exam = http.post("/_sandbox/actions/hospital-upload",
                         json={"hospital": "H51080200011", "count": 1, "seed": 7, "start": 2}).json()["exams"][0]
        hi = exam["hiImgIndx"]
        listing = http.post("/centre/S51080200001/imgDld", json={"hiImgIndx": hi, "serviceName": "queryImgCaheFileSn"}).json()
        reply = http.post("/centre/S51080200001/imgDld", json={"hiImgIndx": hi, "serviceName": "queryImgCahe",
                                                               "imgFileSn": listing["data"]["imgFileSnList"][0]}).content
    (tmp / "reply.json").write_bytes(reply)
    files = [json.dumps({"hiImgIndx": hi, "imgFileSn": e, "serviceName": "queryImgCahe"})
             for e in listing["data"]["imgFileSnList"]]
    inst = cfg.institution("H51080200011")
    assert inst is not None
    token = [json.dumps({"uid": inst.code, "appSecret": cfg.secret_for(inst)})]
    # the row's imgDldLink names the served sandbox's centre (not the default public URL's port 8000,
    # where anything else listening on this machine would be pulled from); it indexes an exam the
    # centre does not hold, so its pull fails at the list — re-pulled at most once a second
    centre, rows = demo_index_rows(with_public_url(cfg, base), 1, on=date.today(), seed=11)
    now = datetime.now()
    saves = [json.dumps(envelope(cfg, centre, "saveExamRpotImgIndx", rows, now=now - timedelta(seconds=1 + i // 10000),
                                 sequence=i % 10000), ensure_ascii=False) for i in range(count)]
    print(f"queryImgCahe: {len(files)} instances, reply {len(reply) / 1024:.0f} KB; {len(saves)} saveExamRpotImgIndx bodies")
    (tmp / "files.json").write_text(json.dumps([json.loads(f)["imgFileSn"] for f in files]))
    return {"queryImgCahe": ("/centre/S51080200001/imgDld", files), "getToken": ("/interface/getToken", token),
            "saveExamRpotImgIndx": ("/mie/api/mie/saveExamRpotImgIndx", saves)}


#: The retrieval mix's other operations (``--paths``): ``_mix``.
MIX = ("queryFormerlyExam", "queryExamPdfData", "getdigitalImageUrl", "filmPage", "WADO")
#: The doctor asking (seeds/003's query fields; any valid values do).
DOCTOR = {"queryDocName": "李医生", "queryDocCode": "20417", "queryDeptName": "影像科", "queryDeptCode": "0302",
          "mac": "00-1B-44-11-3A-C2"}


@dataclass
class Probe:
    """One mix operation as wrk sends it: a POST of ``body`` with ``token`` in ``X-Token``, or a GET
    of ``path`` (its query included) when ``body`` is None."""

    path: str
    body: str | None = None
    token: str | None = None


def _mix(base: str, tmp: Path, names: list[str]) -> dict[str, Probe]:
    """The mix operations of ``names``, each sent once here: its reply must be a success, and is
    kept for the anchor (``tmp/replies.json``: name -> file, media type)."""
    cfg = load_config(None, home=str(tmp / "home"))
    hospital = "H51080200011"
    doctor = [i.code for i in cfg.institutions if i.kind == "hospital"][-1]
    exam = fill_cloud(cfg, base, hospital, 1, seed=7, start=DEFAULT_START)[0]
    entry = json.loads((tmp / "files.json").read_text())[0]
    probes: dict[str, Probe] = {}
    with httpx.Client(base_url=base, timeout=60) as http:
        token = tokens(http, cfg, {doctor, hospital})
        bodies = {"queryFormerlyExam": ({"searchType": "1", "idCardNo": exam["idCardNo"],
                                         "patientName": exam["patientName"], **DOCTOR}, doctor),
                  "queryExamPdfData": ({"accessNumber": exam["accessNumber"], "hospitalCode": hospital,
                                        "queryDocName": DOCTOR["queryDocName"], "queryDocCode": DOCTOR["queryDocCode"]}, doctor),
                  "getdigitalImageUrl": ({"examId": exam["examId"]}, hospital)}
        for name, (body, uid) in bodies.items():
            probes[name] = Probe(f"/interface/{name}", json.dumps(body, ensure_ascii=False), token[uid])
        film = http.post(probes["getdigitalImageUrl"].path, content=str(probes["getdigitalImageUrl"].body).encode(),
                         headers={"X-Token": token[hospital], "Content-Type": "application/json"}).json()["datas"]
        probes["filmPage"] = Probe("/" + str(film).split("/", 3)[3])  # the page of the URL it answered
        query = httpx.QueryParams({"requestType": "WADO", "studyUID": entry["examUuid"], "seriesUID": entry["snUuid"],
                                   "objectUID": entry["instUuid"], "contentType": "application/dicom"})
        probes["WADO"] = Probe(f"/hospital/{hospital}/wado?{query}")
        replies = {}
        for name in names:
            probe = probes[name]
            headers = {"X-Token": probe.token} if probe.token else {}
            reply = (http.post(probe.path, content=probe.body.encode(), headers={**headers, "Content-Type": "application/json"})
                     if probe.body is not None else http.get(probe.path))
            media_type = reply.headers.get("content-type", "")
            if reply.status_code != 200 or (media_type.startswith("application/json") and reply.json().get("code") != 200):
                raise SystemExit(f"{name}: HTTP {reply.status_code}: {reply.text[:300]}")
            (tmp / f"reply-{name}.bin").write_bytes(reply.content)
            replies[name] = (str(tmp / f"reply-{name}.bin"), media_type)
            print(f"{name}: reply {len(reply.content) / 1024:.1f} KB ({media_type})")
    (tmp / "replies.json").write_text(json.dumps(replies))
    return probes


#: Paths whose bodies are meant to be sent once each (a new msgid each): each round has its own share.
ONCE = frozenset({"saveExamRpotImgIndx"})


def _round(name: str, bodies: list[str], round_: int, rounds: int) -> list[str]:
    """The bodies of one round: for ``ONCE`` paths a share no other round sends (a body sent again is
    its stored response replayed — a cheaper path than the one measured), else all of them."""
    if name not in ONCE:
        return bodies
    share = len(bodies) // rounds
    return bodies[round_ * share:(round_ + 1) * share]


def _wrk(base: str, path: str, bodies: list[str], seconds: int, connections: int, tmp: Path,
         token: str | None = None) -> dict[str, float]:
    (tmp / "bodies.txt").write_text("\n".join(bodies), encoding="utf-8")
    lua = LUA % {"bodies": tmp / "bodies.txt", "path": path, "threads": THREADS}
    if token:  # 003's doctor operations: the token in its header
        lua = lua.replace('{["Content-Type"] = "application/json"}',
                          f'{{["Content-Type"] = "application/json", ["X-Token"] = "{token}"}}')
    (tmp / "post.lua").write_text(lua)
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "-s", str(tmp / "post.lua"), "--latency",
                          base], capture_output=True, text=True, check=True).stdout
    return {**_figures(out), "distinct": float(len(bodies))}


def _wrk_get(url: str, seconds: int, connections: int) -> dict[str, float]:
    """wrk GET of one URL (Orthanc's ``/instances/{id}/file``, WADO, the film page, the anchor's replies)."""
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    return _figures(out)


def _figures(out: str) -> dict[str, float]:
    """What wrk's ``--latency`` output says: requests/s, requests sent, p50 and p99 (ms), non-2xx replies."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sent = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "sent": sent, "p50": _ms(lat.get("50", "0ms")), "p99": _ms(lat.get("99", "0ms")),
            "non2xx": float(non2xx.group(1)) if non2xx else 0.0}


def _timed(server: Server, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """``run``'s figures, with the server's CPU microseconds a request over it."""
    before = server.cpu()
    figures = run()
    figures["cpu_us"] = (server.cpu() - before) / max(figures["sent"], 1) * 1e6
    return figures


@contextmanager
def _orthanc(tmp: Path, enabled: bool) -> Iterator[str | None]:
    """The URL of the CT file in a private Orthanc (``GET /instances/{id}/file``, the issue's anchor
    for ``queryImgCahe``): the very file whose reply the sandbox sends; None without Orthanc."""
    server = orthanc_anchor.start(tmp / "orthanc", _port(), _port(), {}) if enabled else None
    if server is None:
        yield None
        return
    try:
        data = base64.b64decode(json.loads((tmp / "reply.json").read_bytes())["data"]["fileContent"])
        yield f"{server.url}/instances/{server.upload(data)}/file"
    finally:
        server.stop()


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--src", help="serve the sandbox from this source tree (e.g. a checkout of main: the 'before')")
    parser.add_argument("--paths", nargs="*", default=["queryImgCahe", "getToken", "saveExamRpotImgIndx"],
                        choices=["queryImgCahe", "getToken", "saveExamRpotImgIndx", *MIX])
    parser.add_argument("--no-orthanc", action="store_true",
                        help="queryImgCahe and WADO beside the Starlette anchor only, even when Orthanc is installed")
    parser.add_argument("--ports", help="listen on ports of this range only (LO-HI), e.g. 8700-8799")
    args = parser.parse_args()
    global _port
    _port = port_picker(args.ports)
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (apt-get install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="hotpath-bench-"))
    anchor_port = _port()
    # saveExamRpotImgIndx's bodies, a share a round: 4,000 a second, twice the fastest save measured
    # here (the bare save's ~1,900/s; at 2,000 a second a fast round ran out and sent msgids again)
    bodies_count = 4000 * args.seconds * args.rounds
    with _sandbox(tmp, args.workers, args.src) as sandbox:
        base = sandbox.base
        paths = _bodies(base, tmp, min(bodies_count, 120000))
        mixed = [name for name in args.paths if name in MIX]
        probes = _mix(base, tmp, mixed) if mixed else {}
        anchor_args = [sys.executable, "-c", ANCHOR, str(anchor_port), str(tmp / "reply.json"), str(tmp / "bare-save.db"),
                       *([str(tmp / "replies.json")] if mixed else [])]
        with serving(anchor_args, f"http://127.0.0.1:{anchor_port}/", log=tmp / "anchor.log") as anchor_server:
            served = f"sandbox --workers {args.workers}{' from ' + args.src if args.src else ''}"
            print(f"wrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} alternating rounds (best of each); "
                  f"{served}; anchor: Starlette + uvicorn, 1 worker; CPU: the server's, microseconds a request")
            print(f"{'path':<22} {'ours req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'anchor req/s':>13} {'p50 ms':>8} {'ratio':>7}"
                  f" {'CPU ours':>9} {'anchor':>7}")
            for name in args.paths:
                _bench(name, args, tmp, sandbox, anchor_server, paths, probes)


def _bench(name: str, args: argparse.Namespace, tmp: Path, sandbox: Server, anchor_server: Server,
           paths: dict[str, tuple[str, list[str]]], probes: dict[str, Probe]) -> None:
    """One path's rounds, alternating with its anchors, and its rows."""
    base, anchor = sandbox.base, anchor_server.base
    ours, theirs, orthanc, bare = [], [], [], []
    filed = name in ("queryImgCahe", "WADO")  # a DICOM file's bytes: beside Orthanc's file GET too
    with _orthanc(tmp, filed and not args.no_orthanc) as orthanc_url:
        for r in range(args.rounds):
            ours.append(_timed(sandbox, partial(_ours, name, r, args, tmp, base, paths, probes)))
            theirs.append(_timed(anchor_server, partial(_anchor, name, args, tmp, anchor, paths, probes)))
            if orthanc_url:
                orthanc.append(_wrk_get(orthanc_url, args.seconds, args.connections))
            if name == "saveExamRpotImgIndx":  # the bare save has a database of its own: the same share
                share = _round(name, paths[name][1], r, args.rounds)
                bare.append(_timed(anchor_server, partial(_wrk, anchor, "/save", share, args.seconds, args.connections, tmp)))
    best, top = max(ours, key=lambda r: r["rps"]), max(theirs, key=lambda r: r["rps"])
    _row(name, best, top, _note(best, once=name in ONCE))
    if orthanc:
        _row("  vs Orthanc (file GET)", best, max(orthanc, key=lambda r: r["rps"]))
    if bare:
        b = max(bare, key=lambda r: r["rps"])
        _row("  vs a bare save", best, b, _note(b, once=True))


def _note(run: dict[str, float], *, once: bool) -> str:
    """What a run's figures do not measure: non-2xx replies, and bodies meant to be sent ``once`` sent
    again (a share that ran out: the sandbox replays a stored response, the bare save fails the msgid)."""
    note = f"  ({run['non2xx']:.0f} non-2xx)" if run["non2xx"] else ""
    if once and run["sent"] > run["distinct"]:
        note += f"  ({run['sent'] - run['distinct']:.0f} bodies sent again)"
    return note


def _ours(name: str, round_: int, args: argparse.Namespace, tmp: Path, base: str,
          paths: dict[str, tuple[str, list[str]]], probes: dict[str, Probe]) -> dict[str, float]:
    if name in probes:
        probe = probes[name]
        if probe.body is None:
            return _wrk_get(base + probe.path, args.seconds, args.connections)
        return _wrk(base, probe.path, [probe.body], args.seconds, args.connections, tmp, probe.token)
    path, bodies = paths[name]
    return _wrk(base, path, _round(name, bodies, round_, args.rounds), args.seconds, args.connections, tmp)


def _anchor(name: str, args: argparse.Namespace, tmp: Path, anchor: str,
            paths: dict[str, tuple[str, list[str]]], probes: dict[str, Probe]) -> dict[str, float]:
    if name in probes:  # the reply the sandbox sent, from memory, for the same request
        probe = probes[name]
        if probe.body is None:
            return _wrk_get(f"{anchor}/reply/{name}", args.seconds, args.connections)
        return _wrk(anchor, f"/reply/{name}", [probe.body], args.seconds, args.connections, tmp, probe.token)
    return _wrk(anchor, "/file" if name == "queryImgCahe" else "/json", paths[name][1][:50], args.seconds,
                args.connections, tmp)


def _row(label: str, ours: dict[str, float], anchor: dict[str, float], note: str = "") -> None:
    cpu = lambda figures: f"{figures['cpu_us']:>7.0f}" if "cpu_us" in figures else f"{'—':>7}"  # noqa: E731
    print(f"{label:<22} {ours['rps']:>10.0f} {ours['p50']:>8.1f} {ours['p99']:>8.1f} {anchor['rps']:>13.0f} "
          f"{anchor['p50']:>8.2f} {ours['rps'] / anchor['rps']:>7.3f} {cpu(ours):>9} {cpu(anchor)}{note}")


if __name__ == "__main__":
    main()
