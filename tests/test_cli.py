"""The imgcloud command line: credentials, fake data, and a real multi-worker server."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime

import httpx
from typer.testing import CliRunner

from reference.validators.codes import make_msgid
from sim.cli import app
from tests.servers import serve

runner = CliRunner()


def _run(*args: str, home) -> str:
    result = runner.invoke(app, list(args), env={"IMGCLOUD_HOME": str(home), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_credentials_json_is_keyed_by_party(tmp_path):
    data = json.loads(_run("credentials", "--json", home=tmp_path))
    assert {"province_index", "imaging_centre", "hospital"} <= set(data)
    index = data["province_index"]
    assert index["endpoints"]["saveExamRpotImgIndx"].endswith("/mie/api/mie/saveExamRpotImgIndx")
    codes = {c["infCode"]: c for c in index["credentials"]}
    assert codes["S51080200001"]["key"] and codes["S51080200002"]["validation"] == "lenient"


def test_credentials_table_shows_every_institution(tmp_path):
    out = _run("credentials", home=tmp_path)
    for code in ("S51080200001", "S51080200002", "H51080200011"):
        assert code in out


def test_fake_index_rows_are_reproducible(tmp_path):
    args = ("fake", "index-rows", "-n", "3", "--seed", "11", "--on", "2026-11-20")
    first, again = _run(*args, home=tmp_path), _run(*args, home=tmp_path)
    assert first == again
    rows = json.loads(first)
    assert len(rows) == 3 and len(rows[0]) == 73
    other = json.loads(_run("fake", "index-rows", "-n", "3", "--seed", "12", "--on", "2026-11-20", home=tmp_path))
    assert other != rows


def test_fake_envelope_is_ready_to_post(tmp_path):
    body = json.loads(_run("fake", "index-rows", "-n", "1", "--envelope", home=tmp_path))
    assert body["infno"] == "saveExamRpotImgIndx" and body["infCode"] == "S51080200001"
    assert body["msgid"].startswith("S51080200001") and len(body["input"]) == 1


def test_invalid_config_exits_naming_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("validation: {mode: sloppy}\n")
    result = runner.invoke(app, ["credentials", "--config", str(bad)])
    assert result.exit_code == 2 and "validation.mode" in result.output


def test_serve_with_two_workers_shares_state(tmp_path):
    """A real server with 2 uvicorn workers: state lives in the database, not in a worker."""
    home = tmp_path / "home"
    with serve(home, "--workers", "2", "--empty") as (base, banner):  # --empty: the log counts only these
        assert f"{base}/mie/api/mie/saveExamRpotImgIndx" in banner and "imgcloud credentials" in banner
        creds = json.loads(_run("credentials", "--json", home=home))["province_index"]["credentials"][0]
        rows = json.loads(_run("fake", "index-rows", "-n", "2", home=home))
        body = {"infno": "saveExamRpotImgIndx", "msgid": make_msgid(creds["infCode"], datetime.now(), 1),
                "infTime": "2026-11-20 10:00:00", "infCode": creds["infCode"], "key": creds["key"], "input": rows}
        with httpx.Client(base_url=base, timeout=10) as http:
            first = http.post("/mie/api/mie/saveExamRpotImgIndx", json=body).json()
            assert [r["succFlag"] for r in first["data"]] == ["1", "1"]
            replays = [http.post("/mie/api/mie/saveExamRpotImgIndx", json=body).json() for _ in range(12)]
            assert all(r == first for r in replays)
            # each exchange is written just after its response is sent: wait for the last one
            deadline = time.monotonic() + 10
            while len(logged := http.get("/_sandbox/exchanges", params={"operation": "saveExamRpotImgIndx"}).json()) < 13:
                assert time.monotonic() < deadline, len(logged)
                time.sleep(0.05)
            assert len(logged) == 13
            assert http.get("/_sandbox/docs/nhsa-index/").status_code == 200


def test_workers_get_time_to_import_the_app_before_their_health_check(monkeypatch):
    """uvicorn's supervisor kills a ``--workers`` worker that has not answered its health check in
    5 s, and a worker answers only once the app is imported (~3.5 s of CPU; 30 s of wall time on
    a loaded 2-core machine): there, ``--workers 2`` never came up.  ``imgcloud serve`` gives it longer."""
    import socket

    import uvicorn
    from uvicorn import supervisors

    from sim.cli import serving

    seen: dict[str, object] = {}

    class Supervisor:
        def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
            seen["healthcheck"], seen["keep_alive"] = config.timeout_worker_healthcheck, config.timeout_keep_alive

        def run(self) -> None:
            seen["ran"] = True

    monkeypatch.setattr(supervisors, "Multiprocess", Supervisor)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        serving.Http(sock, workers=2).run()
    assert seen == {"healthcheck": serving.WORKER_HEALTHCHECK_S, "keep_alive": serving.KEEP_ALIVE_S, "ran": True}
    assert serving.WORKER_HEALTHCHECK_S >= 60


def test_a_served_worker_sets_its_start_up_objects_aside_from_the_garbage_collector(tmp_path):
    """``asgi_factory`` (what each served worker runs) freezes what start-up built: a full collection
    walking them stopped the event loop 130–190 ms (issue 12's p99)."""
    script = ("import gc; from sim.server import asgi_factory; before = gc.get_freeze_count(); asgi_factory(); "
              "print(before, gc.get_freeze_count())")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "IMGCLOUD_HOME": str(tmp_path / "home")})
    before, after = map(int, done.stdout.split()[-2:])
    assert before == 0 and after > 100_000, done.stderr
