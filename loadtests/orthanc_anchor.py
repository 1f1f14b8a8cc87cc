"""Orthanc as a benchmark anchor (Debian: ``apt-get install orthanc``; the packaged service is not
used): one private Orthanc per run, its own HTTP and DICOM ports, its storage and index in a
temporary directory, the DCMTK peers registered as its modalities.  ``start`` returns None when
no ``Orthanc`` binary is installed."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from serving import unwind_on_sigterm  # beside this file

AE_TITLE = "ORTHANC"


@dataclass
class Orthanc:
    process: subprocess.Popen[bytes]
    http_port: int
    dicom_port: int
    version: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def upload(self, data: bytes) -> str:
        """Store one Part-10 file as is (POST /instances); its Orthanc id."""
        reply = httpx.post(f"{self.url}/instances", content=data, timeout=30)
        reply.raise_for_status()
        return str(reply.json()["ID"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(root: Path, http_port: int, dicom_port: int, modalities: dict[str, tuple[str, int]]) -> Orthanc | None:
    """A fresh Orthanc in ``root`` (``modalities``: name -> (AE title, port) on 127.0.0.1), once its
    REST API answers; None when Orthanc is not installed."""
    binary = shutil.which("Orthanc")
    if binary is None:
        return None
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "Name": "imgcloud-bench-anchor", "StorageDirectory": str(root / "storage"), "IndexDirectory": str(root / "storage"),
        "HttpPort": http_port, "DicomPort": dicom_port, "DicomAet": AE_TITLE, "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False, "DicomCheckCalledAet": False, "DicomCheckModalityHost": False,
        "StorageCompression": False, "Plugins": [], "SaveJobs": False, "ConcurrentJobs": 2,
        "DicomModalities": {name: [title, "127.0.0.1", port] for name, (title, port) in modalities.items()},
    }
    (root / "orthanc.json").write_text(json.dumps(config, indent=1))
    unwind_on_sigterm()  # a script ended by SIGTERM still stops it (its caller's finally)
    log = open(root / "orthanc.log", "wb")  # noqa: SIM115 - the process owns it until it ends
    process = subprocess.Popen([binary, str(root / "orthanc.json")], stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "TCP_NODELAY": "1"})  # DCMTK inside Orthanc reads it
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            system = httpx.get(f"http://127.0.0.1:{http_port}/system", timeout=1).json()
            return Orthanc(process, http_port, dicom_port, str(system.get("Version", "?")))
        except (httpx.HTTPError, ValueError):
            if process.poll() is not None:
                raise SystemExit(f"Orthanc exited {process.returncode}: see {root / 'orthanc.log'}") from None
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"Orthanc did not answer on port {http_port} within 30 s: see {root / 'orthanc.log'}")
