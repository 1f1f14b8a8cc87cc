"""Hardening (issue 9, defect 5): no one record can break the exchange log.  A lone surrogate
(or a NUL) is stored escaped and the log stays readable; a batch the database refuses is written
row by row, a row it still refuses without its bodies; every record is journaled first, and a
process that starts replays what a killed one had not committed."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from reference.config import load_config
from reference.exchanges import ExchangeDraft, recording
from reference.sandbox import Sandbox

SAVE = "/mie/api/mie/saveExamRpotImgIndx"


def test_lone_surrogate_is_stored_escaped_and_the_log_stays_readable(make_config, make_running, storage_url):
    running = make_running(make_config(storage={"url": storage_url}))
    raw = b'{"infno": "saveExamRpotImgIndx", "infCode": "S51080200001", "input": [{"psnName": "\\ud800 \\u0000"}]}'
    for _ in range(3):  # in the same batches as legitimate records
        assert running.client.get("/_sandbox/health").status_code == 200
        r = running.client.post(SAVE, content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 200 and r.json()["code"] == -1
    listed = running.client.get("/_sandbox/exchanges", params={"operation": "saveExamRpotImgIndx"})
    assert listed.status_code == 200 and len(listed.json()) == 3
    assert listed.json()[0]["request"]["json"]["input"][0]["psnName"] == "\\ud800 \\u0000"


def _draft(sandbox: Sandbox, request: Any) -> str:
    record = recording(sandbox, ExchangeDraft(operation="probe"))
    return record.finish(method="POST", url="/probe", status=200, request=request, response={})


def test_a_row_the_database_refuses_does_not_cost_its_batch(config, monkeypatch):
    monkeypatch.setattr("reference.exchanges.log.RETRIES", (0.0,))
    sandbox = Sandbox.open(config)
    try:
        good = [_draft(sandbox, {"json": {"n": i}}) for i in range(5)]
        bad = _draft(sandbox, {"json": {1, 2, 3}})  # not JSON-serialisable: the batch fails
        good += [_draft(sandbox, {"json": {"n": i}}) for i in range(5, 10)]
        stored = {e["uid"]: e for e in sandbox.exchanges.query(operation="probe", limit=100)}
        assert set(good) <= set(stored) and bad in stored
        assert "unstorable" in stored[bad]["request"] and stored[bad]["request"]["sha256"]
    finally:
        sandbox.close()


def test_records_of_a_killed_process_are_replayed(tmp_path: Path):
    """A process journals records its writer never commits, then dies (``os._exit``, as ``kill -9``
    leaves it); the next sandbox on the same storage finds every one of them."""
    home = tmp_path / "home"
    Sandbox.open(load_config(None, home=str(home))).close()  # migrated
    script = textwrap.dedent(f"""
        import os, time
        from reference.config import load_config
        from reference.exchanges import ExchangeDraft, recording
        from reference.exchanges.log import ExchangeLog
        from reference.sandbox import Sandbox
        ExchangeLog._store = lambda self, rows: time.sleep(3600)  # the writer never commits
        sandbox = Sandbox.open(load_config(None, home={str(home)!r}), migrate=False)
        for i in range(25):
            record = recording(sandbox, ExchangeDraft(operation="journaled"))
            print(record.finish(method="GET", url=f"/x/{{i}}", status=200, request={{}}, response={{}}), flush=True)
        os._exit(9)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    uids = done.stdout.split()
    assert len(uids) == 25, done.stderr
    assert list((home / "journal").glob("*.jsonl"))  # left behind by the dead process
    sandbox = Sandbox.open(load_config(None, home=str(home)))
    try:
        assert {e["uid"] for e in sandbox.exchanges.query(operation="journaled", limit=100)} == set(uids)
    finally:
        sandbox.close()
    assert not list((home / "journal").glob("*.jsonl"))  # replayed, then removed
