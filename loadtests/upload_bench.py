"""Sustained index upload (flow A) beside its anchor, in one run (issue 12; a script, not a test).

What is measured: imaging centres upload ``saveExamRpotImgIndx`` rows, 18 a request, from a few
concurrent clients to ``imgcloud serve --workers W``; after each commit the province pulls every
image of each saved index from the centre in the background (``queryImgCaheFileSn``, then
``queryImgCahe`` per instance: base64 JSON decoded, the DICOM header parsed and checked, stored in
the blob store with its ``province_images`` row).  *Sustained* rows/s = rows / (time from the
first request until the last row's pull has finished and every image is stored); printed beside
it: the upload-only rate (rows / time until the last reply), the pull backlog over time (rows
saved, not yet pulled), p50 / p99 request latency.

The anchor runs in the same run, alternating rounds: the same pipeline done minimally, on the same
uvicorn with the same ``--workers``, in processes of its own.  Its province (a Starlette app) parses
the same request bodies and upserts their rows (one ``INSERT … ON CONFLICT DO UPDATE`` per request)
into a table of the same database, then pulls each row's images in 8 threads with one reused client
each (the list, then every file; base64 decoded, written to a blob directory under its SHA-256, one
``INSERT`` of the row's images) from its centre, a Starlette app sending the sandbox centre's own
reply bytes from files.  No checks, no exchange records: what a bare implementation of the pipeline
does on this machine, which bounds what any implementation of it can do here.  Printed: its
sustained and upload-only rates and its CPU per row (both of its processes), and ours / anchor.

Data: ``--exams`` exams are put at the centre before the rounds (its tables and blob store filled
directly, as its ingest of ``saveExamRpotImgInfo`` leaves them; no index registration, so nothing
is pulled before the clock starts), each with ``--images`` instances cloned (new UIDs) from the
synthetic studies of ``sim``: ``--size small`` PET slices (~34 KB, 128 × 128) or ``medium`` CT
slices (~513 KB, 512 × 512).  Every round starts with the province's index and images emptied, so
each round pulls every image of every exam again; every request has a new msgid.

    .venv/bin/python loadtests/upload_bench.py --exams 360 --images 6 --workers 1 2 --rounds 2 \\
        [--backends sqlite postgresql] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/upload_bench] \\
        [--size small|medium] [--clients 4] [--src DIR]     # --src: serve another source tree (a "before")

The PostgreSQL database of ``--pg-url`` is dropped and created again by the script.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pydicom
from serving import Server, serving  # beside this file
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reference.config import load_config
from reference.config.model import Config
from reference.families.imaging_centre.ingest import query_reply
from reference.national.request import envelope
from reference.sandbox import Sandbox
from reference.storage.models import CentreExam, CentreInstance
from sim.demo import as_generator_institution, demo_index_rows
from sim.fakedata.exams import make_exam
from sim.localnet import free_port
from sim.scenario.server import with_public_url
from sim.synth import make_study

SAVE_PATH = "/mie/api/mie/saveExamRpotImgIndx"
ROWS_PER_REQUEST = 18
#: exams of seed 7 whose series give the templates: exam 1 has PET slices (~34 KB), exam 2 CT (~513 KB)
TEMPLATES = {"small": (1, 30), "medium": (2, 300)}

ANCHOR = """
import base64, hashlib, json, os, threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlalchemy import create_engine, text
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

URL = os.environ["ANCHOR_DB"]
engine = create_engine(URL, pool_size=10, connect_args={"timeout": 30} if URL.startswith("sqlite") else {})
if URL.startswith("sqlite"):
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _wal(conn, _):
        conn.execute("PRAGMA journal_mode=WAL"); conn.execute("PRAGMA synchronous=NORMAL")
UPSERT = text("INSERT INTO anchor_index (hi, inf_code, body, msgid) VALUES (:hi, :inf, :body, :msgid) "
              "ON CONFLICT (hi) DO UPDATE SET inf_code = excluded.inf_code, body = excluded.body, msgid = excluded.msgid")

# --- the pulling province (ANCHOR_CENTRE set): after the commit, each row's images are pulled from the
# centre with one reused client per thread (the list, then every file), base64-decoded, written to a
# blob directory under their SHA-256 and recorded with one statement a row -- the pipeline's work with
# no checks, no exchange records
CENTRE = os.environ.get("ANCHOR_CENTRE")
BLOBS = Path(os.environ.get("ANCHOR_BLOBS", "."))
IMAGES = text("INSERT INTO anchor_images (hi, sop, sha256) VALUES (:hi, :sop, :sha)")
POOL = ThreadPoolExecutor(8)
LOCAL = threading.local()


def _http():
    client = getattr(LOCAL, "client", None)
    if client is None:
        client = LOCAL.client = httpx.Client(base_url=CENTRE, timeout=120)
    return client


def pull(hi, link):
    path, http = urlsplit(link).path, _http()
    listing = http.post(path, json={"hiImgIndx": hi, "serviceName": "queryImgCaheFileSn"}).json()
    values = []
    for entry in listing["data"]["imgFileSnList"]:
        reply = http.post(path, json={"hiImgIndx": hi, "imgFileSn": entry, "serviceName": "queryImgCahe"}).json()
        data = base64.b64decode(reply["data"]["fileContent"])
        digest = hashlib.sha256(data).hexdigest()
        blob = BLOBS / digest
        if not blob.exists():
            blob.write_bytes(data)
        values.append({"hi": hi, "sop": entry["instUuid"], "sha": digest})
    with engine.begin() as conn:
        conn.execute(IMAGES, values)


async def save(request):
    body = json.loads(await request.body())
    rows = body["input"]
    values = [{"hi": r["hiImgIndx"], "inf": body["infCode"], "body": json.dumps(r, ensure_ascii=False),
               "msgid": body["msgid"]} for r in rows]
    with engine.begin() as conn:
        conn.execute(UPSERT, values)
    if CENTRE:
        for r in rows:
            POOL.submit(pull, r["hiImgIndx"], r["imgDldLink"])
    return JSONResponse({"code": 0, "type": "success", "message": "成功",
                         "data": [{"hiImgIndx": r["hiImgIndx"], "succFlag": "1"} for r in rows]})

async def health(request):
    return JSONResponse({"ok": True})

app = Starlette(routes=[Route(os.environ["ANCHOR_PATH"], save, methods=["POST"]), Route("/health", health)])
"""

CENTRE_ANCHOR = """
import json, os
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# the centre's replies as the sandbox's centre sent them, read from files: <hi>/list.json, <hi>/<instUuid>.json
ROOT = Path(os.environ["ANCHOR_REPLIES"])


async def imgdld(request):
    body = json.loads(await request.body())
    folder = ROOT / body["hiImgIndx"]
    name = "list" if body["serviceName"] == "queryImgCaheFileSn" else body["imgFileSn"]["instUuid"]
    return Response((folder / f"{name}.json").read_bytes(), media_type="application/json")

async def health(request):
    return JSONResponse({"ok": True})

app = Starlette(routes=[Route("/centre/{code}/imgDld", imgdld, methods=["POST"]), Route("/health", health)])
"""


# ------------------------------------------------------------------------------------------ data

def _templates(config: Config, size: str, images: int) -> list[bytes]:
    exam_no, max_per_series = TEMPLATES[size]
    hospitals = [as_generator_institution(config, i) for i in config.institutions if i.kind == "hospital"][:1]
    centre = as_generator_institution(config, next(i for i in config.institutions if i.kind == "imaging_centre"))
    exam = make_exam(7, exam_no, hospitals=hospitals, centre=centre, on=date.today())
    study = make_study(exam, seed=7, max_per_series=max_per_series)
    wanted = 34 if size == "small" else 513
    picked = [i.data for i in study if abs(len(i.data) // 1024 - wanted) < wanted // 4] or [i.data for i in study]
    return [picked[k % len(picked)] for k in range(images)]


def _clone(template: bytes, study: str, series: str, sop: str, number: int) -> bytes:
    ds = pydicom.dcmread(io.BytesIO(template))
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = study, series, sop
    ds.file_meta.MediaStorageSOPInstanceUID = sop
    ds.InstanceNumber = number
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def fill_centre(config: Config, exams: int, images: int, size: str) -> tuple[str, list[dict[str, Any]]]:
    """Put ``exams`` exams at the centre, each with ``images`` instances; the centre and the
    ``saveExamRpotImgIndx`` rows that name them."""
    centre, rows = demo_index_rows(config, exams, on=date.today(), seed=12)
    templates = _templates(config, size, images)
    sandbox = Sandbox.open(config, migrate=False)
    try:
        for start in range(0, exams, 50):
            with sandbox.db.session() as session:
                for n, row in enumerate(rows[start:start + 50], start=start):
                    _one_exam(sandbox, session, centre.code, row, n, templates)
    finally:
        sandbox.close()
    return centre.code, rows


def _one_exam(sandbox: Sandbox, session: Any, centre: str, row: dict[str, Any], n: int, templates: list[bytes]) -> None:
    hi, study = str(row["hiImgIndx"]), f"1.2.826.0.1.3680043.10.9012.{n + 1}"
    series = f"{study}.1"
    exam = CentreExam(centre_code=centre, hospital_code=str(row["fixmedinsCode"]), hi_img_indx=hi,
                      accession=str(row.get("examInseqi") or n), study_uid=study, row=row,
                      pdf_sha256="0" * 64, status="registered", findings=[],
                      created_at=sandbox.now(), updated_at=sandbox.now())
    session.add(exam)
    session.flush()
    for k, template in enumerate(templates, start=1):
        data = _clone(template, study, series, f"{series}.{k}", k)
        reply = query_reply(hi, data)
        session.add(CentreInstance(exam_id=exam.id, study_uid=study, series_uid=series, sop_uid=f"{series}.{k}",
                                   sop_class=str(pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True).SOPClassUID),
                                   series_number=1, instance_number=k,
                                   dicom_sha256=sandbox.store_blob(session, data, "application/dicom"),
                                   reply_sha256=sandbox.store_blob(session, reply, "application/json"),
                                   reply_size=len(reply)))


# --------------------------------------------------------------------------------------- clients

@dataclass
class Run:
    rows: int
    started: float = 0.0
    uploaded_at: float = 0.0
    done_at: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    backlog: list[tuple[float, int, int]] = field(default_factory=list)  # (t, rows answered, rows pulled)
    cpu: float = 0.0  # CPU seconds of the server's processes from the first request to the end

    def summary(self) -> dict[str, float]:
        lat = sorted(self.latencies)
        return {"sustained": self.rows / (self.done_at - self.started) if self.done_at else 0.0,
                "upload": self.rows / (self.uploaded_at - self.started),
                "drain": (self.done_at - self.uploaded_at) if self.done_at else float("nan"),
                "p50": lat[len(lat) // 2] * 1000, "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
                "max_backlog": max((a - p for _, a, p in self.backlog), default=0), "failures": self.failures,
                "cpu_ms_per_row": self.cpu * 1000 / self.rows}


def _bodies(config: Config, centre: str, rows: list[dict[str, Any]], first: int) -> list[str]:
    """Request bodies of 18 rows, msgids ``first`` … (infTime a second apart per 10,000)."""
    inst = config.institution(centre)
    assert inst is not None
    now, out = datetime.now(), []
    for j, start in enumerate(range(0, len(rows), ROWS_PER_REQUEST)):
        k = first + j
        body = envelope(config, inst, "saveExamRpotImgIndx", rows[start:start + ROWS_PER_REQUEST],
                        now=now - timedelta(seconds=1 + k // 10000), sequence=k % 10000)
        out.append(json.dumps(body, ensure_ascii=False))
    return out


def _client(url: str, bodies: list[str], lock: threading.Lock, run: Run, answered: list[int]) -> None:
    with httpx.Client(timeout=120, headers={"content-type": "application/json"}) as http:
        while True:
            with lock:
                if not bodies:
                    return
                body = bodies.pop(0)
            t0 = time.perf_counter()
            reply = http.post(url, content=body.encode("utf-8"))
            elapsed = time.perf_counter() - t0
            ok = reply.status_code == 200 and reply.json().get("code") == 0 and all(
                r.get("succFlag") != "-1" for r in reply.json().get("data") or [])
            with lock:
                run.latencies.append(elapsed)
                run.failures += 0 if ok else 1
                answered[0] += ROWS_PER_REQUEST


def upload(server: Server, bodies: list[str], rows: int, clients: int, pulled: Any = None, timeout: float = 900,
           also: Server | None = None) -> Run:
    """Send ``bodies`` from ``clients`` threads; with ``pulled`` (a callable: rows pulled so far),
    wait for every pull too, sampling the backlog.  ``also``: another server whose CPU counts (the
    anchor's centre)."""
    run, lock, answered, queue = Run(rows=rows), threading.Lock(), [0], list(bodies)

    def cpu() -> float:
        return server.cpu() + (also.cpu() if also else 0.0)
    base, cpu0 = server.base, cpu()
    run.started = time.perf_counter()
    threads = [threading.Thread(target=_client, args=(base + SAVE_PATH, queue, lock, run, answered)) for _ in range(clients)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) or (pulled is not None and not run.done_at):
        now = time.perf_counter()
        if not run.uploaded_at and not any(t.is_alive() for t in threads):
            run.uploaded_at = now
        if pulled is not None:
            done = pulled()
            run.backlog.append((now - run.started, min(answered[0], rows), done))
            if done >= rows and run.uploaded_at:
                run.done_at = now
            if now - run.started > timeout:
                raise RuntimeError(f"pulls not finished after {timeout} s: {done} of {rows}")
        time.sleep(0.25)
    for t in threads:
        t.join()
    run.uploaded_at = run.uploaded_at or time.perf_counter()
    run.cpu = cpu() - cpu0
    return run


# ---------------------------------------------------------------------------------------- servers

def _config_file(tmp: Path, url: str | None) -> Path:
    path = tmp / "config.yaml"
    data: dict[str, Any] = {"parties": {p: {"port": free_port()} for p in ("hospital", "regional_platform", "gateway")}}
    if url:
        data["storage"] = {"url": url}
    path.write_text(json.dumps(data))
    return path


def sandbox_server(tmp: Path, workers: int, src: str | None, port: int) -> Any:
    env = {**os.environ, "IMGCLOUD_HOME": str(tmp / "home"), **({"PYTHONPATH": src} if src else {})}
    args = [sys.executable, "-c", "from sim.cli import main; main()", "serve", "--empty", "--port", str(port),
            "--workers", str(workers), "--config", str(tmp / "config.yaml")]
    return serving(args, f"http://127.0.0.1:{port}/_sandbox/health", env, tmp / f"serve-{workers}.log")


def anchor_server(tmp: Path, workers: int, db_url: str, centre: str) -> Any:
    """The anchor province: the upsert, then the pulls from ``centre`` (the anchor centre)."""
    (tmp / "anchor_app.py").write_text(ANCHOR)
    (tmp / "anchor-blobs").mkdir(exist_ok=True)
    port = free_port()
    env = {**os.environ, "ANCHOR_DB": db_url, "ANCHOR_PATH": SAVE_PATH, "ANCHOR_CENTRE": centre,
           "ANCHOR_BLOBS": str(tmp / "anchor-blobs")}
    args = [sys.executable, "-m", "uvicorn", "anchor_app:app", "--app-dir", str(tmp), "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    return serving(args, f"http://127.0.0.1:{port}/health", env, tmp / f"anchor-{workers}.log")


def centre_anchor(tmp: Path, workers: int) -> Any:
    """The anchor centre: the sandbox centre's replies, saved by ``save_replies``, read from files."""
    (tmp / "centre_anchor_app.py").write_text(CENTRE_ANCHOR)
    port = free_port()
    env = {**os.environ, "ANCHOR_REPLIES": str(tmp / "centre-replies")}
    args = [sys.executable, "-m", "uvicorn", "centre_anchor_app:app", "--app-dir", str(tmp), "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    return serving(args, f"http://127.0.0.1:{port}/health", env, tmp / f"centre-anchor-{workers}.log")


def save_replies(base: str, rows: list[dict[str, Any]], root: Path) -> None:
    """The sandbox centre's list and file replies of every row, as files the anchor centre sends."""
    with httpx.Client(timeout=120) as http:
        for row in rows:
            hi, path = str(row["hiImgIndx"]), urlsplit(str(row["imgDldLink"])).path
            folder = root / hi
            folder.mkdir(parents=True, exist_ok=True)
            listing = http.post(base + path, json={"hiImgIndx": hi, "serviceName": "queryImgCaheFileSn"})
            (folder / "list.json").write_bytes(listing.content)
            for entry in listing.json()["data"]["imgFileSnList"]:
                reply = http.post(base + path, json={"hiImgIndx": hi, "imgFileSn": entry, "serviceName": "queryImgCahe"})
                (folder / f"{entry['instUuid']}.json").write_bytes(reply.content)


def _fresh_pg(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


# ------------------------------------------------------------------------------------------ rounds

def _reset(db: Any) -> None:
    with db.begin() as conn:
        conn.execute(text("DELETE FROM province_images"))
        conn.execute(text("DELETE FROM index_records"))
        conn.execute(text("DELETE FROM anchor_index"))
        conn.execute(text("DELETE FROM anchor_images"))


def _pulled_counter(db: Any, images: int) -> Any:
    def pulled() -> int:
        with db.connect() as conn:
            done = conn.execute(text("SELECT count(*) FROM index_records WHERE pull_status IN ('pulled', 'failed')")).scalar()
            stored = conn.execute(text("SELECT count(*) FROM province_images")).scalar()
        return min(int(done or 0), int(stored or 0) // images)
    return pulled


def _anchor_pulled(db: Any, images: int) -> Any:
    def pulled() -> int:
        with db.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM anchor_images")).scalar() or 0) // images
    return pulled


def _check(db: Any, rows: int, images: int) -> str:
    with db.connect() as conn:
        states = dict(conn.execute(text("SELECT pull_status, count(*) FROM index_records GROUP BY pull_status")).all())
        stored = conn.execute(text("SELECT count(*) FROM province_images")).scalar()
    ok = states.get("pulled") == rows and stored == rows * images
    return "" if ok else f"  NOT ALL PULLED: {states}, {stored} images of {rows * images}"


def backend(name: str, url: str | None, args: argparse.Namespace, tmp: Path) -> list[dict[str, Any]]:
    tmp.mkdir(parents=True, exist_ok=True)
    if url:
        _fresh_pg(url)
    _config_file(tmp, url)
    config = load_config(str(tmp / "config.yaml"), home=str(tmp / "home"))
    db_url = config.storage_url
    results: list[dict[str, Any]] = []
    counter, port = 0, free_port()  # one port for every --workers: the rows' imgDldLink names it
    for workers in args.workers:
        with sandbox_server(tmp, workers, args.src, port) as sandbox:
            cfg = with_public_url(config, sandbox.base)
            if not results:
                t0 = time.perf_counter()
                centre, rows = fill_centre(cfg, args.exams, args.images, args.size)
                db = create_engine(db_url)
                with db.begin() as conn:
                    conn.execute(text("CREATE TABLE IF NOT EXISTS anchor_index (hi VARCHAR(100) PRIMARY KEY, "
                                      "inf_code VARCHAR(30), body TEXT, msgid VARCHAR(50))"))
                    conn.execute(text("CREATE TABLE IF NOT EXISTS anchor_images (hi VARCHAR(100), sop VARCHAR(100), "
                                      "sha256 VARCHAR(64))"))
                save_replies(sandbox.base, rows, tmp / "centre-replies")
                print(f"[{name}] centre filled: {args.exams} exams x {args.images} images in {time.perf_counter() - t0:.0f} s")
            with centre_anchor(tmp, workers) as anchor_centre, \
                    anchor_server(tmp, workers, db_url, anchor_centre.base) as anchor:
                for r in range(args.rounds):
                    _reset(db)
                    bodies = _bodies(cfg, centre, rows, counter)
                    counter += len(bodies)
                    ours = upload(sandbox, bodies, len(rows), args.clients, _pulled_counter(db, args.images))
                    problem = _check(db, len(rows), args.images)
                    theirs = upload(anchor, bodies, len(rows), args.clients, _anchor_pulled(db, args.images),
                                    also=anchor_centre)
                    o, a = ours.summary(), theirs.summary()
                    results.append({"backend": name, "workers": workers, "round": r, "ours": o, "anchor": a,
                                    "backlog": ours.backlog})
                    print(f"[{name} w{workers} r{r}] sustained {o['sustained']:7.1f} rows/s | upload-only {o['upload']:7.1f} "
                          f"rows/s, p50 {o['p50']:6.1f} ms, p99 {o['p99']:7.1f} ms, max backlog {o['max_backlog']:.0f} rows, "
                          f"drain {o['drain']:.1f} s, failures {o['failures']}, server CPU {o['cpu_ms_per_row']:.1f} ms/row"
                          f" | anchor sustained {a['sustained']:7.1f} rows/s, upload-only {a['upload']:8.1f}, p50 "
                          f"{a['p50']:5.1f} ms, drain {a['drain']:.1f} s, CPU {a['cpu_ms_per_row']:.2f}"
                          f" ms/row{problem}")
                    print("   backlog (s: answered/pulled): " + ", ".join(
                        f"{t:.0f}:{a_}/{p}" for t, a_, p in ours.backlog[:: max(1, len(ours.backlog) // 12)]))
    db.dispose()
    return results


def report(results: list[dict[str, Any]]) -> None:
    print(f"\nmedians over rounds ({ROWS_PER_REQUEST} rows a request; anchor: the same pipeline done minimally)")
    print(f"{'backend':<11} {'W':>2} {'sustained':>10} {'upload':>9} {'p50 ms':>7} {'p99 ms':>8} {'backlog':>8} "
          f"{'drain s':>8} {'CPU ms/row':>10} {'anchor sust':>11} {'anchor CPU':>10} {'sust/anchor':>12} "
          f"{'upload/anchor':>14}")
    for key in dict.fromkeys((r["backend"], r["workers"]) for r in results):
        group = [r for r in results if (r["backend"], r["workers"]) == key]

        def med(side: str, name: str, group: list[dict[str, Any]] = group) -> float:
            return statistics.median(r[side][name] for r in group)
        print(f"{key[0]:<11} {key[1]:>2} {med('ours', 'sustained'):>10.1f} {med('ours', 'upload'):>9.1f} "
              f"{med('ours', 'p50'):>7.1f} {med('ours', 'p99'):>8.1f} {med('ours', 'max_backlog'):>8.0f} "
              f"{med('ours', 'drain'):>8.1f} {med('ours', 'cpu_ms_per_row'):>10.1f} {med('anchor', 'sustained'):>11.1f} "
              f"{med('anchor', 'cpu_ms_per_row'):>10.1f} {med('ours', 'sustained') / med('anchor', 'sustained'):>12.4f} "
              f"{med('ours', 'upload') / med('anchor', 'upload'):>14.4f}")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows as it comes
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exams", type=int, default=360, help="rows uploaded a round (20 requests of 18)")
    parser.add_argument("--images", type=int, default=6, help="images per exam")
    parser.add_argument("--size", choices=sorted(TEMPLATES), default="small")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/upload_bench")
    parser.add_argument("--json", type=Path, help="write every round's figures here")
    parser.add_argument("--src", help="serve the sandbox from this source tree (e.g. an export of an older commit: "
                                      "the 'before'; same database schema)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="upload-bench-"))
    print(f"{args.exams} rows a round, {args.images} {args.size} images each, {args.clients} clients, "
          f"workers {args.workers}, {args.rounds} alternating rounds (sandbox, then anchor); data in {tmp}")
    results: list[dict[str, Any]] = []
    for name in args.backends:
        results += backend(name, args.pg_url if name == "postgresql" else None, args, tmp / name)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
