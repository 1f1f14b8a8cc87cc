"""DICOM retrieval benchmark (a script, not a test): a 100 x ~512 KB CT study in the hospital
PACS SCP, fetched over loopback by C-GET and C-MOVE with DCMTK (``TCP_NODELAY=1``) and with
our own client; prints MB/s and instances/s.

    .venv/bin/python loadtests/dicom_bench.py [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from reference.app import start_dicom
from reference.families.gateway.collector import collect_by_move
from reference.sandbox import Sandbox
from reference.transports.dicom.client import DicomClient, Peer, study_identifier
from sim.actors.hospital import keep_in_pacs
from sim.localnet import dicom_config, exam_of_modality, free_port
from sim.synth import make_study


def _line(name: str, seconds: float, size: int, count: int) -> None:
    print(f"{name:<34} {seconds:7.3f} s  {size / seconds / 1e6:8.1f} MB/s  {count / seconds:8.1f} inst/s")


def _dcmtk(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{args[0]} exited {done.returncode}:\n{done.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="dicom-bench-"))
    dest = free_port()
    (root / "scp").mkdir()  # before storescp starts: it exits when its output directory is missing
    storescp = subprocess.Popen(["storescp", "-aet", "DCMTK_STORE", "-od", str(root / "scp"), str(dest)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "TCP_NODELAY": "1"})
    config = dicom_config(root / "home", hospital={"move_destinations": {"DCMTK_STORE": {"port": dest}}})
    sandbox = Sandbox.open(config)
    scps = start_dicom(sandbox)
    try:
        exam = exam_of_modality("CT")
        instances = make_study(exam, seed=7, instances_per_series=100 // len(exam.series) + 1)[:100]
        keep_in_pacs(sandbox, exam, instances, "H51080200011")
        size, count, study = sum(len(i.data) for i in instances), len(instances), instances[0].study_uid
        pacs = next(s for s in scps if s.party == "hospital")
        print(f"study: {count} instances, {size / 1e6:.1f} MB ({size / count / 1024:.0f} KB each), PACS {pacs.host}:{pacs.port}")
        env = {**os.environ, "TCP_NODELAY": "1"}
        keys = ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}"]
        peer = Peer("HOSP_PACS", "127.0.0.1", pacs.port)
        for _ in range(args.rounds):
            out = root / f"get-{time.monotonic_ns()}"
            out.mkdir()
            t = time.perf_counter()
            _dcmtk(["getscu", "-S", "-aet", "PORTAL", "-aec", "HOSP_PACS", *keys, "-od", str(out),
                    "127.0.0.1", str(pacs.port)], env)
            _line("C-GET  DCMTK getscu", time.perf_counter() - t, size, count)
            assert len(list(out.iterdir())) == count
            shutil.rmtree(out)
            t = time.perf_counter()
            _dcmtk(["movescu", "-S", "-aet", "PORTAL", "-aec", "HOSP_PACS", "-aem", "DCMTK_STORE", *keys,
                    "127.0.0.1", str(pacs.port)], env)
            _line("C-MOVE DCMTK movescu -> storescp", time.perf_counter() - t, size, count)
            t = time.perf_counter()
            got = DicomClient(None, calling="PORTAL").get(peer, study_identifier(study))
            _line("C-GET  our client", time.perf_counter() - t, size, count)
            assert len(got.files) == count
            t = time.perf_counter()
            moved = collect_by_move(sandbox, study)
            _line("C-MOVE our collector -> our SCP", time.perf_counter() - t, size, count)
            assert len(moved.files) == count, [f.en for f in moved.findings]
            ds = study_identifier(study, "IMAGE", SOPInstanceUID="")
            t = time.perf_counter()
            found = DicomClient(None, calling="PORTAL").find(peer, ds)
            print(f"{'C-FIND IMAGE level, 100 matches':<34} {(time.perf_counter() - t) * 1000:7.1f} ms")
            assert len(found.matches) == count
    finally:
        for scp in scps:
            scp.stop()
        sandbox.close()
        storescp.terminate()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
