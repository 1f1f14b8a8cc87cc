"""The heavy proofs of issue 9 (``pytest -m heavy``; ``.ci/run`` runs them after the suite), on
SQLite and PostgreSQL, against ``imgcloud serve --workers 2``:

- crash: ``kill -9`` of the whole server during index uploads, three times over — every row the
  server acknowledged is stored, and every answered request has its exchange record;
- concurrency: 100 writers x 10 requests x 5 rows — nothing lost, nothing duplicated, no internal
  error; 80 concurrent getToken for one uid — exactly 30 tokens, the rest 11004, no 503.
"""
from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from reference.config import load_config
from reference.national.request import envelope
from reference.sandbox import Sandbox
from reference.storage.models import Exchange, IndexRecord
from sim.demo import demo_index_rows
from tests.servers import IMGCLOUD, free_dicom_ports, free_port

pytestmark = pytest.mark.heavy
SAVE = "/mie/api/mie/saveExamRpotImgIndx"


class Server:
    """``imgcloud serve --workers 2`` on ``storage_url``, killable outright."""

    def __init__(self, root: Path, storage_url: str) -> None:
        self.root, self.port = root, free_port()
        self.config_path = free_dicom_ports(root / f"config-{self.port}.yaml", storage={"url": storage_url},
                                            home=str(root / "home"))
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen([*IMGCLOUD, "serve", "--port", str(self.port), "--workers", "2", "--empty",
                                      "--config", str(self.config_path)], start_new_session=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{self.base}/_sandbox/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and self.proc.poll() is None, "imgcloud serve did not start"
            time.sleep(0.2)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=20)

    def sandbox(self) -> Sandbox:
        """The storage as the next process sees it (opening it replays the journals of the dead)."""
        return Sandbox.open(load_config(self.config_path))


@pytest.fixture(scope="module")
def bodies() -> list[bytes]:
    """600 requests of 5 valid rows each, every msgid and hiImgIndx distinct."""
    cfg = load_config(None)
    inst, rows = demo_index_rows(cfg, 3000, on=date.today(), seed=int(time.time()) % 100000)
    now = datetime.now()
    return [json.dumps(envelope(cfg, inst, "saveExamRpotImgIndx", rows[i * 5:(i + 1) * 5], now=now - timedelta(seconds=i),
                                sequence=i % 9000 + 1), ensure_ascii=False).encode() for i in range(600)]


def _post(http: httpx.Client, base: str, body: bytes) -> tuple[list[str], str | None]:
    """The rows the server acknowledged, and the exchange uid of its answer."""
    reply = http.post(f"{base}{SAVE}", content=body, headers={"content-type": "application/json"})
    data = reply.json()
    acked = [r["hiImgIndx"] for r in data.get("data") or [] if data.get("code") == 0 and r["succFlag"] in ("1", "0")]
    return acked, reply.headers.get("x-imgcloud-exchange")


def test_kill_9_loses_no_acknowledged_row_and_no_answered_exchange(storage_url, tmp_path, bodies):
    server, acked, uids = Server(tmp_path, storage_url), [], []
    queue = iter(bodies)
    lock = threading.Lock()

    def writer(stop: threading.Event) -> None:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                with lock:
                    body = next(queue, None)
                if body is None:
                    return
                try:
                    rows, uid = _post(http, server.base, body)
                except (httpx.HTTPError, ValueError):
                    continue  # the server died mid-request: not acknowledged
                with lock:
                    acked.extend(rows)
                    uids.extend([uid] if uid else [])

    for _ in range(3):
        server.start()
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(stop,)) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(2.5)
        server.kill()
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert acked and uids
    sandbox = server.sandbox()
    try:
        with sandbox.db.reading() as session:
            stored = set(session.scalars(select(IndexRecord.hi_img_indx).where(IndexRecord.deleted_at.is_(None))))
            logged = set(session.scalars(select(Exchange.uid)))
        assert set(acked) <= stored, f"{len(set(acked) - stored)} acknowledged rows lost"
        assert set(uids) <= logged, f"{len(set(uids) - logged)} answered requests without a record"
    finally:
        sandbox.close()


@pytest.fixture
def served(storage_url: str, tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path, storage_url)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def test_100_writers_lose_nothing_duplicate_nothing(served, bodies):
    sent = bodies[:1000] if len(bodies) >= 1000 else bodies  # 600 requests: 100 writers x 6
    outcomes: list[tuple[list[str], str | None, Any]] = []

    def client(chunk: list[bytes]) -> None:
        with httpx.Client(timeout=120) as http:
            for body in chunk:
                rows, uid = _post(http, served.base, body)
                outcomes.append((rows, uid, json.loads(body)))

    with concurrent.futures.ThreadPoolExecutor(100) as pool:
        list(pool.map(client, [sent[i::100] for i in range(100)]))
    acked = [hi for rows, _, _ in outcomes for hi in rows]
    assert len(acked) == 5 * len(sent) == len(set(acked)), "a row was refused or acknowledged twice"
    sandbox = served.sandbox()
    try:
        # an exchange's journal line is written before its reply's last byte; its database record is
        # group-committed by the serving worker's log writer within ``ExchangeLog.LINGER`` (longer on a
        # loaded machine): another process reading the database sees the last ones a moment later
        deadline = time.monotonic() + 30
        while True:
            with sandbox.db.reading() as session:
                stored = session.scalar(select(func.count()).select_from(IndexRecord).where(
                    IndexRecord.hi_img_indx.in_(acked)))
                internal = session.scalar(select(func.count()).select_from(Exchange).where(
                    Exchange.verdict == "error", Exchange.direction == "inbound"))
                records = session.scalar(select(func.count()).select_from(Exchange).where(
                    Exchange.operation == "saveExamRpotImgIndx", Exchange.direction == "inbound"))
            if records >= len(sent) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert stored == len(acked) and internal == 0 and records == len(sent)
    finally:
        sandbox.close()


def test_token_limits_hold_exactly_under_concurrency(served):
    cfg = load_config(served.config_path)
    uid = "H51080200012"
    secret = cfg.secret_for(cfg.institution(uid))

    def one(_: int) -> Any:
        return httpx.post(f"{served.base}/interface/getToken", json={"uid": uid, "appSecret": secret}, timeout=60).json()["code"]

    with concurrent.futures.ThreadPoolExecutor(80) as pool:
        codes = list(pool.map(one, range(80)))
    assert codes.count(200) == 30 and codes.count(11004) == 50, codes
