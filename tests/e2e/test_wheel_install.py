"""The product installs like any Python tool: a wheel built from this checkout, installed into a
fresh virtualenv and run from an empty directory outside the checkout, serves everything —
its contracts and scenario files come from the installed package, not from the checkout."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reference import __version__
from sim.localnet import free_port
from tests.servers import free_dicom_ports

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str | Path, cwd: Path, timeout: float = 600, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """``(bin directory of a fresh venv with the wheel installed, an empty working directory)``."""
    root = tmp_path_factory.mktemp("wheel")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", root / "dist", ROOT, cwd=root)
    wheel = next((root / "dist").glob("imgcloud_sandbox-*.whl"))
    _run(sys.executable, "-m", "venv", root / "venv", cwd=root)
    bindir = root / "venv" / "bin"
    _run(bindir / "python", "-m", "pip", "install", "--quiet", wheel, cwd=root)
    empty = root / "empty"
    empty.mkdir()
    yield bindir, empty


def test_the_installed_package_is_not_the_checkout(installed):
    bindir, empty = installed
    found = _run(bindir / "python", "-c", "import reference, sim; print(reference.__file__); print(sim.__file__)",
                 cwd=empty).stdout.split()
    assert all("site-packages" in path and not path.startswith(str(ROOT)) for path in found), found


def test_version(installed):
    bindir, empty = installed
    assert _run(bindir / "imgcloud", "--version", cwd=empty).stdout.strip() == f"imgcloud-sandbox {__version__}"


def test_a_family_command_is_mounted_from_the_installed_package(installed):
    """``imgcloud sm2`` is read from the installed ``province_cloud`` package's FAMILY declaration
    (``sim/cli/mounts.py``): the wheel ships the files it reads."""
    bindir, empty = installed
    out = _run(bindir / "imgcloud", "sm2", "encrypt", "110101199003074518", cwd=empty).stdout.strip()
    assert out.startswith("04") and len(out) > 100, out


def test_scenario_list_lists_every_shipped_scenario(installed):
    bindir, empty = installed
    listed = [line.split()[0] for line in _run(bindir / "imgcloud", "scenario", "list", cwd=empty).stdout.splitlines()]
    assert listed == sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


def test_serve_answers_health_with_the_version_and_warns_of_nothing(installed, tmp_path):
    bindir, empty = installed
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        config = free_dicom_ports(tmp_path / "config.yaml")
        proc = subprocess.Popen([bindir / "imgcloud", "serve", "--port", str(port), "--config", config, "--empty"], cwd=empty,
                                stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "IMGCLOUD_HOME": str(tmp_path / "home")})
    try:
        health = None
        deadline = time.monotonic() + 60
        while health is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=2).json()
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None, log.read_text(errors="replace")
        assert health["version"] == __version__ and health["status"] == "ok"
        assert set(health["families"]) >= {"nhsa-index", "imaging-centre", "province-cloud", "hospital"}
        docs = httpx.get(f"http://127.0.0.1:{port}/_sandbox/docs/nhsa-index/openapi.json", timeout=5).json()
        assert "/mie/api/mie/saveExamRpotImgIndx" in docs["paths"]
        lessons = httpx.get(f"http://127.0.0.1:{port}/_sandbox/training/lessons", timeout=5).json()  # shipped as data
        assert {"flow-a", "flow-c", "national-envelope", "tokens-sm2", "dicom-qr"} <= {lesson["id"] for lesson in lessons}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    text = log.read_text(errors="replace")
    assert "Warning" not in text and "Traceback" not in text, text


def test_scenario_run_by_name_passes(installed):
    bindir, empty = installed
    done = _run(bindir / "imgcloud", "scenario", "run", "flow-a-national", cwd=empty,
                env={"IMGCLOUD_HOME": str(empty / ".imgcloud")})
    assert "PASS  flow-a-national" in done.stdout, done.stdout
    assert list(empty.iterdir()) in ([], [empty / ".imgcloud"])  # nothing written beside it but the data home
