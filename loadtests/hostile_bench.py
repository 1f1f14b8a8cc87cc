"""What hostile input costs us (issue 9; a script, not a test), each figure beside its anchor in
the same run:

- a body of N index rows with every field invalid (each row breaks ~60 rules): our
  ``saveExamRpotImgIndx`` against a minimal Starlette route that only parses and echoes the same
  body, both in process;
- the DICOM SCP's resident memory after 3 peers each announce a 1 GiB PDU, against its memory
  before;
- how long a peer that starts a PDU and stops keeps its connection, and an invalid PDU's answer.

    .venv/bin/python loadtests/hostile_bench.py [--rows 100 250] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import socket
import statistics
import struct
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from reference.app import start_dicom
from reference.config import load_config
from reference.national.request import envelope
from reference.sandbox import Sandbox
from sim.demo import demo_index_rows
from sim.localnet import dicom_config
from sim.server import create_app

PATH = "/mie/api/mie/saveExamRpotImgIndx"
RULE_ID = re.compile(r"\[[A-Z0-9]+(?:-[A-Z0-9]+)+\]")


async def _echo(request: Request) -> JSONResponse:
    body = json.loads(await request.body())
    return JSONResponse({"code": 0, "rows": len(body["input"]["data"]) if "data" in body["input"] else 0})


def _median(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def invalid_rows(sizes: list[int], rounds: int) -> None:
    """``25`` rows of short invalid values fit 000's 40,000-character ``input``: every rule of every
    row is judged; the larger bodies (60-character values) are over it and refused whole, after
    their findings are gathered as far as the bounds allow."""
    cfg = load_config(None, home=tempfile.mkdtemp(prefix="hostile-bench-"))
    ours, anchor = TestClient(create_app(cfg)), TestClient(Starlette(routes=[Route(PATH, _echo, methods=["POST"])]))
    print(f"{'body: N rows, every field invalid':<44} {'anchor (parse+echo)':>20} {'saveExamRpotImgIndx':>20}")
    for n in sizes:
        inst, rows = demo_index_rows(cfg, n, on=date.today(), seed=7)
        value = "\u5f20x" if n <= 25 else "\u5f20" * 60
        for row in rows:
            row.update({k: value for k in row})
        raw = json.dumps(envelope(cfg, inst, "saveExamRpotImgIndx", rows, now=datetime.now(), sequence=n),
                         ensure_ascii=False).encode()
        reply = ours.post(PATH, content=raw, headers={"content-type": "application/json"}).json()
        ms = [1000 * _median(_poster(client, raw), rounds) for client in (anchor, ours)]
        findings = len(RULE_ID.findall(json.dumps(reply, ensure_ascii=False)))
        print(f"{n:>5} rows, {len(raw) / 1e6:5.2f} MB: code {reply['code']}, {findings:>5} findings named"
              f" {ms[0]:11.1f} ms {ms[1]:17.1f} ms")


def _poster(client: TestClient, raw: bytes) -> Callable[[], object]:
    return lambda: client.post(PATH, content=raw, headers={"content-type": "application/json"})


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def dicom_peers() -> None:
    sandbox = Sandbox.open(dicom_config(Path(tempfile.mkdtemp(prefix="hostile-bench-")) / "home"))
    scps = start_dicom(sandbox)
    try:
        pacs = next(s for s in scps if s.party == "hospital")
        before = _rss_mb()
        peers = [socket.create_connection((pacs.host, pacs.port)) for _ in range(3)]
        for peer in peers:
            peer.sendall(struct.pack(">BBL", 0x01, 0, 1 << 30))
        time.sleep(2)
        print(f"DICOM SCP resident memory: {before:.0f} MB before, {_rss_mb():.0f} MB after 3 peers announce 1 GiB PDUs")
        for peer in peers:
            peer.close()
        stalled = socket.create_connection((pacs.host, pacs.port))
        stalled.settimeout(120)
        stalled.sendall(struct.pack(">BBL", 0x01, 0, 200) + b"\x00\x01" + b"x" * 20)  # starts an A-ASSOCIATE-RQ, stops
        start = time.monotonic()
        while stalled.recv(100):
            pass
        print(f"a peer that stops mid-PDU: connection closed by the SCP after {time.monotonic() - start:.1f} s")
        stalled.close()
        bad = socket.create_connection((pacs.host, pacs.port))
        bad.settimeout(120)
        bad.sendall(struct.pack(">BBL", 0x09, 0, 4) + b"abcd")  # no such PDU type
        start, first = time.monotonic(), bad.recv(1)
        while bad.recv(100):
            pass
        answer = {b"\x07": "A-ABORT"}.get(first, first.hex() or "nothing")
        print(f"an invalid PDU type: answered {answer}, closed after {time.monotonic() - start:.1f} s")
        bad.close()
    finally:
        for scp in scps:
            scp.stop()
        sandbox.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[25, 100, 250])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    invalid_rows(args.rows, args.rounds)
    dicom_peers()


if __name__ == "__main__":
    main()
