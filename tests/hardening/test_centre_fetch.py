"""Hardening (issue 9, defect 10): what the imaging centre fetches for a row is bounded — its
size, a zip's expansion, its time — and it never fetches the sandbox's own control API or a port
that is not a web server's.  Each refusal is a finding on the row."""
from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from reference.national.request import envelope
from sim.actors.hospital import prepare_exam
from sim.demo import as_generator_institution, centre_for
from sim.fakedata.exams import make_exam
from sim.fakedata.img_info_rows import img_info_row
from tests.conftest import NOW

SAVE_INFO = "/mie/api/mie/saveExamRpotImgInfo"
HOSPITAL = "H51080200011"


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.dcm", bytes(20 * 1024 * 1024))  # 20 MB of zeros, ~20 KB zipped
    return buffer.getvalue()


class _Files(BaseHTTPRequestHandler):
    bomb = _bomb()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/bomb.zip":
            body = self.bomb
        elif self.path == "/big.pdf":
            body = b"%PDF-" + bytes(3 * 1024 * 1024)
        elif self.path == "/slow.pdf":
            self.send_response(200)
            self.send_header("content-length", "1000")
            self.end_headers()
            for _ in range(1000):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
            return
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def bounded(make_config, make_running) -> Any:
    return make_running(make_config(limits={"fetch_bytes": 1024 * 1024, "fetch_seconds": 1.5}))


def _post_row(running: Any, **references: str) -> dict[str, Any]:
    """One valid row of a generated exam whose references are replaced by ``references``."""
    config = running.config
    hospital = config.institution(HOSPITAL)
    exam = make_exam(config.seed, 3, hospitals=[as_generator_institution(config, hospital)],
                     centre=as_generator_institution(config, centre_for(config, None)), on=NOW.date())
    prepared = prepare_exam(running.sandbox, hospital, exam, seed=config.seed, form="file")
    row = {**prepared.row, **references}
    body = envelope(config, hospital, "saveExamRpotImgInfo", [row], now=NOW, node="data")
    reply = running.client.post(SAVE_INFO, json=body).json()
    assert reply["code"] == 0, reply
    return reply["data"][0]


def _rules(result: dict[str, Any]) -> str:
    assert result["succFlag"] == "-1", result
    return result["message"]


def test_zip_bomb_is_refused_unexpanded(bounded, files):
    assert "CENTRE-ZIP-BOMB" in _rules(_post_row(bounded, imgInfoDcm=f"{files}/bomb.zip"))


def test_oversized_file_is_stopped(bounded, files):
    assert "CENTRE-FETCH-TOO-LARGE" in _rules(_post_row(bounded, examRpotPdfI=f"{files}/big.pdf"))


def test_slow_file_is_stopped(bounded, files):
    t0 = time.monotonic()
    assert "CENTRE-FETCH-SLOW" in _rules(_post_row(bounded, examRpotPdfI=f"{files}/slow.pdf"))
    assert time.monotonic() - t0 < 30


@pytest.mark.parametrize("url", ["http://127.0.0.1:22/report.pdf", "http://127.0.0.1:8000/_sandbox/exchanges"])
def test_control_api_and_non_web_ports_are_never_fetched(bounded, url):
    message = _rules(_post_row(bounded, examRpotPdfI=url))
    assert "CENTRE-FETCH-REFUSED" in message
    outbound = bounded.sandbox.exchanges.query(direction="outbound", limit=50)
    assert not [e for e in outbound if e["url"] == url]  # not even attempted
