"""Flow B benchmark (a script, not a test): what the gateway's paths cost on this machine.

- collection: N exams at the hospital (the modality's usual instance counts), pulled over HTTP,
  retrieved by C-MOVE, checked and uploaded to the imaging centre (which fetches the PDF and the
  zip back from the gateway): seconds per exam and instances/s;
- the view: one page (100 rows) of ``View_Pacs_Text_Info`` through the SQL transport, per backend;
- qrurl and qrcode: requests/s, one client, sequential.

    .venv/bin/python loadtests/gateway_bench.py [--exams 10] [--pg URL] [--mariadb URL]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text

from reference.families.hospital_pacs.database import VIEW, save_reports
from reference.transports.sql import SqlClient
from sim.localnet import dicom_config
from sim.scenario.server import running_sandbox


def _collection(http: httpx.Client, exams: int) -> list[dict[str, str]]:
    examined = http.post("/_sandbox/actions/hospital-examine",
                         json={"hospital": "H51080200011", "count": exams, "seed": 9090}).json()["exams"]
    t0 = time.perf_counter()
    pulled = http.post("/_sandbox/actions/gateway-pull", json={"hospital": "H51080200011", "days": 40}).json()
    seconds = time.perf_counter() - t0
    instances = sum(e["instances"] for e in pulled["exams"])
    statuses = {e["status"] for e in pulled["exams"]}
    print(f"collection   {len(pulled['exams'])} exams, {instances} instances: {seconds:.2f} s "
          f"({seconds / max(1, len(pulled['exams'])):.2f} s/exam, {instances / seconds:.0f} inst/s) {statuses}")
    return examined


def _rate(http: httpx.Client, name: str, path: str, query: dict[str, str], count: int) -> None:
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        reply = http.get(path, params=query)
        times.append(time.perf_counter() - t0)
        assert reply.json()["code"] == 200, reply.text
    print(f"{name:<12} {count / sum(times):7.0f} req/s, median {statistics.median(times) * 1000:.1f} ms")


def _view(label: str, url: str, rows: list[dict[str, object]], rounds: int = 20) -> None:
    save_reports(url, rows, now=datetime.now())
    client = SqlClient(None, url, party="gateway", family="hospital-pacs", max_rows=100)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = client.select(select(VIEW).order_by(VIEW.c.auditTime, VIEW.c.examNo), operation="View_Pacs_Text_Info")
        times.append(time.perf_counter() - t0)
        assert result.ok and len(result.rows) == 100
    print(f"view {label:<8} 100 rows/page: median {statistics.median(times) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exams", type=int, default=10)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--mariadb", default="mysql+pymysql://root@127.0.0.1:3306/test")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    config = dicom_config(home / "home")
    with running_sandbox(config, dicom=True) as base, httpx.Client(base_url=base, timeout=600) as http:
        exams = _collection(http, args.exams)
        query = {"accessNumber": exams[0]["accessionNo"], "modality": exams[0]["modality"], "hospitalId": "H51080200011"}
        _rate(http, "qrurl", "/getway/reportAndFilm/api/qrurl", query, 200)
        _rate(http, "qrcode", "/getway/reportAndFilm/api/qrcode", query, 50)
        report = http.post("/pacs/H51080200011/getReportInfo", json={"examNo": exams[0]["examNo"]}).json()["data"][0]
    rows = [{**report, "examNo": str(i), "accessionNo": f"A{i}"} for i in range(150)]
    _view("sqlite", f"sqlite:///{home / 'view.db'}", rows)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    for label, url, create, drop, reader in (
        ("postgres", args.pg, f'create schema "{name}"', f'drop schema "{name}" cascade',
         f"{args.pg}?options=-csearch_path%3D{name}"),
        ("mariadb", args.mariadb, f"create database {name}", f"drop database {name}",
         f"{args.mariadb.rsplit('/', 1)[0]}/{name}?charset=utf8mb4")):
        admin = create_engine(url)
        try:
            with admin.begin() as conn:
                conn.execute(text(create))
        except Exception as exc:  # noqa: BLE001 - a backend not here is skipped
            print(f"view {label:<8} skipped: {type(exc).__name__}")
            continue
        try:
            _view(label, reader, rows)
        finally:
            with admin.begin() as conn:
                conn.execute(text(drop))
            admin.dispose()


if __name__ == "__main__":
    main()
