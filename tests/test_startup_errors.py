"""Every start-up failure of ``imgcloud serve`` is one or two lines saying what to do, exit status 2,
no traceback and no banner (issue 14): a database URL SQLAlchemy cannot use, a database server
that does not answer, the HTTP port or a DICOM port taken (named), a bad configuration file."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from tests.servers import free_dicom_ports, free_port

runner = CliRunner()


@contextmanager
def taken(port: int) -> Iterator[None]:
    """``port`` held by another listener for the block."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen(1)
        yield


def serve(tmp_path: Path, *args: str, **config: object) -> tuple[int, str]:
    path = free_dicom_ports(tmp_path / "config.yaml", **config)
    result = runner.invoke(app, ["serve", "--port", str(free_port()), "--config", str(path), *args],
                           env={"IMGCLOUD_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    return result.exit_code, result.output


def assert_short(code: int, output: str, *needles: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2, output
    assert 1 <= len(lines) <= 2, output
    assert "Traceback" not in output and "listening on" not in output, output
    for needle in needles:
        assert needle in output, output


@pytest.mark.parametrize(("url", "needles"), [
    ("postgres://someone:secret@127.0.0.1/imgcloud", ("no database driver 'postgres'", "postgresql+psycopg://", "***")),
    ("nonsense", ("is not a database URL", "postgresql+psycopg://")),
    ("mysql://root@127.0.0.1/test", ("needs the Python module 'MySQLdb'", "pip install mysqlclient")),
])
def test_a_database_url_that_cannot_be_used(tmp_path, url, needles):
    code, output = serve(tmp_path, storage={"url": url})
    assert_short(code, output, *needles)
    assert "secret" not in output


def test_a_database_server_that_does_not_answer(tmp_path):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    code, output = serve(tmp_path, storage={"url": url})
    assert_short(code, output, "cannot connect to the database", url, "storage.url")


def test_the_http_port_in_use(tmp_path):
    port = free_port()
    path = free_dicom_ports(tmp_path / "config.yaml")
    with taken(port):
        result = runner.invoke(app, ["serve", "--port", str(port), "--config", str(path)],
                               env={"IMGCLOUD_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    assert_short(result.exit_code, result.output, f"HTTP port {port} on 127.0.0.1 is in use", "--port")


def test_a_dicom_port_in_use(tmp_path):
    path = free_dicom_ports(tmp_path / "config.yaml")
    pacs = yaml.safe_load(path.read_text())["parties"]["hospital"]["port"]
    with taken(pacs):
        result = runner.invoke(app, ["serve", "--port", str(free_port()), "--config", str(path)],
                               env={"IMGCLOUD_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    assert_short(result.exit_code, result.output, f"DICOM port {pacs} on 127.0.0.1 (hospital SCP HOSP_PACS)",
                 "parties.hospital.port")
    # nothing was left listening: the HTTP socket and the other SCPs were closed again
    with taken(yaml.safe_load(path.read_text())["parties"]["gateway"]["port"]):
        pass


@pytest.mark.parametrize(("text", "needles"), [
    ("validation: {mode: sloppy}\n", ("invalid configuration", "validation.mode")),
    ("parties: [unclosed\n", ("is not valid YAML: line 2, column 1",)),
])
def test_a_bad_configuration_file(tmp_path, text, needles):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["serve", "--config", str(path)], env={"IMGCLOUD_HOME": str(tmp_path / "home")})
    assert_short(result.exit_code, result.output, *needles)


def test_a_missing_configuration_file(tmp_path):
    result = runner.invoke(app, ["serve", "--config", str(tmp_path / "nowhere.yaml")],
                           env={"IMGCLOUD_HOME": str(tmp_path / "home")})
    assert_short(result.exit_code, result.output, "cannot read config file", "No such file")
