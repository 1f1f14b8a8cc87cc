"""Hardening (issue 9, defect 5): no one record can break the exchange log.  A lone surrogate
(or a NUL) is stored escaped and the log stays readable; a batch the database refuses is written
row by row, a row it still refuses without its bodies; every record is journaled first, and a
process that starts replays what a killed one had not committed."""
from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from reference.config import load_config
from reference.exchanges import ExchangeDraft, recording
from reference.exchanges.log import ExchangeLog, Journal, _iso, _storable_line, journal_lines, orphaned_rows
from reference.exchanges.record import Sealed
from reference.exchanges.recorder import sealing
from reference.sandbox import Sandbox
from reference.storage import Database

SAVE = "/mie/api/mie/saveExamRpotImgIndx"


def test_lone_surrogate_is_stored_escaped_and_the_log_stays_readable(storage_url, make_config, make_running):
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


def _row(**changes: Any) -> dict[str, Any]:
    row = {"uid": "u1", "time": datetime(2026, 12, 2, 6, 0, 0, 123456), "direction": "inbound", "transport": "http",
           "party": "imaging_centre", "family": "imaging-centre", "operation": "queryImgCahe", "institution": "S1",
           "method": "POST", "url": "/centre/S1/imgDld", "status": 200, "verdict": "pass", "duration_ms": 1.5,
           "request": {"json": {"appSecret": "****WXYZ", "n": [1, 2.5, None, True]}}, "response": {"head": "成功"},
           "findings": [{"rule": "R1", "message": "…"}]}
    return {**row, **changes}


@pytest.mark.parametrize("row", [
    _row(),
    _row(response=Sealed({"head": '{"code":0,"appSecret":"ABCDEFGH1234"}', "size": 9}, frozenset({"appSecret"}))),
    _row(institution="S" * 200),  # cut to its column's length, the bodies kept whole
    _row(request={"json": {"when": datetime(2026, 1, 1)}}),  # not JSON as it is: the line as before
    _row(request={"body": "\ud800 \x00"}),  # unstorable characters: escaped as before
])
def test_a_journal_line_is_the_stored_row_and_each_json_column_is_serialised_as_sqlite_binds_it(row):
    stored, line, texts = _storable_line(row)
    assert json.loads(line) == json.loads(json.dumps(stored, default=_iso))
    assert len(stored["institution"]) <= 64
    if texts is not None:
        assert texts == {k: json.dumps(stored[k]) for k in ("request", "response", "findings")}


def test_a_dicom_files_record_takes_the_journal_lines_quick_way_and_is_stored_as_before(monkeypatch):
    """A served DICOM file's head starts with 128 NULs: kept as ``log.storable`` would store them
    (``\\u0000``), so its line is not suspect — the record is neither parsed again nor walked — and
    the stored row is the one the walk made of the raw head; a real NUL or surrogate still is."""
    from reference.exchanges import log
    from reference.exchanges.record import body_record
    from reference.transports.http.recorder import _Capture

    dicom = b"\x00" * 128 + b"DICM" + bytes(range(256)) * 4000
    response = body_record(dicom, "application/dicom", limit=65536, head=1024)
    walked = log.storable({"head": dicom[:1024].decode("utf-8", errors="replace")})["head"]
    assert response["truncated"] and response["head"] == walked and "\x00" not in response["head"]
    captured = _Capture(65536)  # a reply as the HTTP recorder keeps it while sending it
    captured.feed(dicom)
    assert captured.record("application/dicom", 1024)["head"] == walked
    walk = log.storable
    monkeypatch.setattr(log, "storable", lambda *a: pytest.fail("walked"))
    stored, line, texts = _storable_line(_row(response=response))
    assert texts is not None and json.loads(texts["response"])["head"] == walked
    assert json.loads(line)["response"]["head"] == walked
    monkeypatch.setattr(log, "storable", walk)
    for raw in ("\x00", "\ud800", "\\\x00", "a\\\\\x00"):  # real ones, after an even number of backslashes too
        stored, line, texts = _storable_line(_row(response={"head": raw}))
        assert texts is None and "\x00" not in stored["response"]["head"], raw
    for text in ("\\u0000", "\\\\\\u0000", "\\ud800"):  # an escaped backslash before u0000: text, not an escape
        assert not log._suspect(json.dumps(text)), text


def test_a_line_is_suspect_exactly_when_its_text_holds_a_nul_or_a_lone_surrogate():
    """``log._suspect`` reads escapes as JSON does: whatever run of backslashes, quotes and hex digits
    a string holds, its line is suspect exactly when the string holds a NUL or a lone surrogate."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from reference.exchanges import log

    tricky = st.text(st.sampled_from(["\\", "u", "0", "d", "8", "f", '"', "\x00", "\ud800", "\udfff", "x"]), max_size=24)

    @settings(max_examples=1500, deadline=None, database=None)
    @given(st.lists(tricky, min_size=1, max_size=3))
    def agrees(texts: list[str]) -> None:
        unstorable = any(c == "\x00" or "\ud800" <= c <= "\udfff" for t in texts for c in t)
        assert log._suspect(json.dumps({"request": {"body": texts}})) == unstorable, texts

    agrees()


def test_reading_the_first_escapes_one_by_one_agrees_with_the_search():
    """``suspect`` reads a long line's first escapes one by one (each backslash found by a ``memchr``:
    a pulled file's base64 is not read character by character) and searches the rest only past
    ``_FEW`` of them (a short line: at once); on any text ``json.dumps`` can write (every backslash
    begins a whole escape) it answers as dropping the escaped backslashes and searching the pattern
    does.  Not on other text: in ``\\ud8\\\\00`` dropping ``\\\\`` makes ``\\ud800`` of two pieces, which no
    reader of the escapes sees (a journal line is ``json.dumps``'s)."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from reference.exchanges import record

    pattern = re.compile(r"\\u(?:d[89a-f][0-9a-f]{2}|0000)")
    searched = lambda line: pattern.search(line.replace("\\\\", "")) is not None  # noqa: E731
    # whole escapes and text around them (``u0000`` after an escaped backslash is text)
    pieces = st.sampled_from(["\\\\", "\\u0000", "\\ud800", "\\udfff", "\\uDFFF", "\\u6210", "\\u00e9", "\\n",
                              "\\\"", "u0000", "ud8", "0", "00", "d", "f", "g", "x"])
    lines = st.lists(pieces, max_size=40).map("".join)

    @settings(max_examples=1500, deadline=None, database=None)
    @given(lines)
    def agrees(line: str) -> None:
        assert record.suspect(line) == searched(line), line
        assert record.suspect("A" * record._LONG_LINE + line) == searched(line), line  # a long line: read one by one

    agrees()
    assert record.suspect('{"message": "\\u6210\\u529f", "data": "' + "QUJD" * 12000 + '\\u0000"}')
    assert not record.suspect('{"message": "\\u6210\\u529f", "data": "' + "QUJD" * 12000 + '\\\\u0000"}')


def test_a_line_is_judged_by_its_parts_as_it_would_be_judged_whole():
    """``_storable_line`` judges each part of a journal line apart (a sealed body record by its own
    answer, made once: a 48 KB PDF's base64 is not scanned for each request) and takes the quick way
    exactly when the whole line is not suspect."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from reference.exchanges import log

    tricky = st.text(st.sampled_from(["\\", "u", "0", "d", "8", "f", '"', "\x00", "\ud800", "x"]), max_size=16)

    @settings(max_examples=800, deadline=None, database=None)
    @given(tricky, tricky, tricky, st.booleans())
    def agrees(url: str, body: str, head: str, sealed: bool) -> None:
        response = Sealed({"head": head}, None) if sealed else {"head": head}
        row = _row(url=url, request={"body": body}, response=response)
        whole = json.dumps({**row, "response": {"head": head}}, default=_iso)
        assert (_storable_line(row)[2] is None) == log._suspect(whole)

    agrees()


def test_a_sealed_response_is_logged_masked_once_and_unsealed_when_a_fault_marks_it(config):
    sandbox = Sandbox.open(config)
    try:
        fields = sealing(sandbox.config.exchange_log)
        sealed = Sealed({"head": '{"appSecret":"ABCDEFGH1234","x":1}', "size": 99}, fields)
        assert sealed["head"] == '{"appSecret":"****1234","x":1}'
        plain = recording(sandbox, ExchangeDraft(operation="sealed")).finish(
            method="POST", url="/s", status=200, request={}, response=dict(sealed.source))
        kept = recording(sandbox, ExchangeDraft(operation="sealed")).finish(
            method="POST", url="/s", status=200, request={}, response=sealed)
        faulted = ExchangeDraft(operation="sealed", fault={"id": "f1", "kind": "delay"})
        marked = recording(sandbox, faulted).finish(method="POST", url="/s", status=200, request={}, response=sealed)
        logged = {e["uid"]: e["response"] for e in sandbox.exchanges.query(operation="sealed")}
        assert logged[plain] == logged[kept] == dict(sealed)
        assert logged[marked] == {**sealed, "fault": {"id": "f1", "kind": "delay"}}  # masked once, not "****"
    finally:
        sandbox.close()


def test_the_journal_keeps_whole_lines_across_clears_and_growth(tmp_path: Path, monkeypatch):
    """The mapped journal as a reader finds it in the file at any moment: every line appended since the
    last clear, none from before it, a line cut short by a kill skipped; it grows past its first size."""
    monkeypatch.setattr(Journal, "SIZE", 4096)
    journal = Journal(tmp_path / "journal")
    try:
        for i in range(50):
            journal.append(json.dumps({"uid": f"old{i}", "pad": "x" * 200}))
        journal.clear()
        lines = [json.dumps({"uid": f"new{i}", "pad": "y" * (i * 7)}) for i in range(60)]  # ~12 KB: grown twice
        for line in lines:
            journal.append(line)
        found = journal_lines(journal.path.read_bytes())
        assert [json.loads(line)["uid"] for line in found] == [f"new{i}" for i in range(60)]
        data = journal.path.read_bytes()
        end = data.index(b"\0")
        cut = data[:end - 5] + bytes(len(data) - end + 5)  # the last line as a kill mid-copy leaves it
        assert [line.decode() for line in journal_lines(cut)][:-1] == lines[:-1]
        (tmp_path / "cut").mkdir()
        (tmp_path / "cut" / "1-dead.jsonl").write_bytes(cut)
        replayed = next(iter(orphaned_rows(tmp_path / "cut")))[1]
        assert [r["uid"] for r in replayed] == [f"new{i}" for i in range(59)]
    finally:
        journal.close(keep=False)
    assert not journal.path.exists()


def _held_log(tmp_path: Path, monkeypatch) -> ExchangeLog:
    """A log whose writer thread ends at once: the test says what is committed (``_committed``)."""
    monkeypatch.setattr(ExchangeLog, "_write_batches", lambda self: None)
    db = Database(f"sqlite:///{tmp_path / 'log.db'}")
    db.migrate()
    return ExchangeLog(db, tmp_path / "journal")


def _journaled_uids(directory: Path) -> list[str]:
    return [json.loads(line)["uid"] for path in sorted(directory.glob("*.jsonl"))
            for line in journal_lines(path.read_bytes())]


def test_journal_files_go_once_their_lines_are_committed_while_more_are_queued(tmp_path: Path, monkeypatch):
    """Under a load that never lets the queue run dry the journal does not grow without end: a file
    whose every line is committed is removed, the rest kept whole (issue 12: 38 MB in 6 s before)."""
    monkeypatch.setattr(ExchangeLog, "SEGMENT", 2048)
    log = _held_log(tmp_path, monkeypatch)
    try:
        for i in range(40):
            log.write(_row(uid=f"u{i:02d}"))
        files = sorted((tmp_path / "journal").glob("*.jsonl"))
        assert len(files) >= 5 and _journaled_uids(tmp_path / "journal") == [f"u{i:02d}" for i in range(40)]
        log._committed(20)  # lines 1..20: u00..u19
        left = _journaled_uids(tmp_path / "journal")
        assert len(list((tmp_path / "journal").glob("*.jsonl"))) < len(files) and "u00" not in left
        assert left == [f"u{i:02d}" for i in range(40 - len(left), 40)] and len(left) >= 20
        log._committed(40)
        assert len(list((tmp_path / "journal").glob("*.jsonl"))) == 1 and _journaled_uids(tmp_path / "journal") == []
        for i in range(40, 80):  # files begun after others went: each a name of its own
            log.write(_row(uid=f"u{i:02d}"))
        assert _journaled_uids(tmp_path / "journal") == [f"u{i:02d}" for i in range(40, 80)]
    finally:
        log.close()


def test_a_queued_record_is_nothing_the_garbage_collector_walks(tmp_path: Path, monkeypatch):
    """Queued records hold their bodies as the JSON text already made, not as dicts and lists: a writer
    thousands of records behind under load cost every full collection 50–100 ms (issue 12's p99)."""
    log = _held_log(tmp_path, monkeypatch)
    try:
        log.write(_row())
        queued = log._queue.get_nowait()
        assert queued is not None
        (row, texts), _ = queued
        gc.collect()
        assert texts is not None and json.loads(texts["request"]) == _row()["request"]
        assert not gc.is_tracked(row) and not gc.is_tracked(texts)  # (the tuples around them: shells
        # CPython keeps tracked, as it does any tuple holding a dict, tracked or not)
    finally:
        log.close()
