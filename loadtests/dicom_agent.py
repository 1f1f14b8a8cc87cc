"""The load test's DICOM client, in a process of its own (no locust, no gevent): the locustfile's
``DicomUser`` hands it each C-FIND and C-GET as a JSON line on stdin and reads back how long the
operation took, measured here around our ``DicomClient`` call.

Why a process: locust monkey-patches its process with gevent, so inside it pynetdicom's threads
(a DUL thread and an association thread per association) are greenlets of the one hub that also
runs every HTTP user.  A DICOM exchange hands each PDU and each DIMSE message from one of those
threads to the other — dozens of hand-offs for a C-GET of 20 instances — and under gevent each
hand-off waits for a whole turn of that hub: with 200 users on a busy 2-core machine a C-GET
measured 3.6 s at the median and 24 s at p95 in the locust process while the same operations
from a plain process with real threads took 0.7 s and 4.9 s (the HTTP operations: ~1.2 s in
both runs).  Here the client runs as a workstation runs it, on real threads, one per request.

Protocol, one JSON object per line:

- request ``{"id": n, "op": "find" | "get", "peer": {"ae", "host", "port"}, "calling": AE,
  "timeout": s, "study": uid, "series": uid | null, "instances": [uid, …] | null}`` (``get``
  with ``series``/``instances``: IMAGE level; without: the whole study);
- reply ``{"id": n, "ms": float, "length": int, "error": str | null}`` (``length``: matches of a
  C-FIND, bytes received by a C-GET).

The process ends when its stdin closes (its locust process ended, however it ended).

    python loadtests/dicom_agent.py < requests.jsonl
"""
from __future__ import annotations

import json
import logging
import sys
import threading
import time
from typing import IO, Any

_write = threading.Lock()


def run(request: dict[str, Any]) -> dict[str, Any]:
    """One operation, timed around the client call (association, exchange and release)."""
    from reference.transports.dicom.client import DicomClient, Peer, study_identifier

    op = request.get("op")
    if op not in ("find", "get"):
        return {"ms": 0.0, "length": 0, "error": f"unknown op {op!r}"}
    peer = Peer(request["peer"]["ae"], request["peer"]["host"], int(request["peer"]["port"]))
    client = DicomClient(None, calling=request["calling"], timeout=float(request.get("timeout", 30)))
    if op == "find":
        start = time.perf_counter()
        found = client.find(peer, study_identifier(request["study"], PatientID="", NumberOfStudyRelatedInstances=""))
        ms = (time.perf_counter() - start) * 1000
        error = None if found.ok and found.matches else f"C-FIND: {found.association} {found.reason} status {found.status}"
        return {"ms": ms, "length": len(found.matches), "error": error}
    if request.get("series"):
        ident = study_identifier(request["study"], "IMAGE", SeriesInstanceUID=request["series"])
        ident.SOPInstanceUID = list(request.get("instances") or [])
    else:
        ident = study_identifier(request["study"])
    start = time.perf_counter()
    got = client.get(peer, ident)
    ms = (time.perf_counter() - start) * 1000
    error = None if got.ok and got.files else f"C-GET: {got.association} {got.reason} status {got.status} {got.counts}"
    return {"ms": ms, "length": sum(len(f) for f in got.files), "error": error}


def _answer(request: dict[str, Any], out: IO[str]) -> None:
    try:
        reply = run(request)
    except Exception as exc:  # a client bug is the request's failure, not the agent's end
        reply = {"ms": 0.0, "length": 0, "error": f"{request.get('op')}: {exc!r}"}
    line = json.dumps({"id": request.get("id"), **reply})
    with _write:
        out.write(line + "\n")
        out.flush()


def serve(lines: IO[str], out: IO[str]) -> None:
    """Answer each request line on a thread of its own, until ``lines`` ends."""
    logging.getLogger("pynetdicom").setLevel(logging.WARNING)  # one INFO line per C-STORE of a C-GET otherwise
    for line in lines:
        if line.strip():
            threading.Thread(target=_answer, args=(json.loads(line), out), daemon=True).start()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
