"""DICOM retrieval benchmark (a script, not a test): a 100 x ~512 KB CT study in the hospital
PACS SCP and, as the anchor, the same files in a private Orthanc (``apt-get install orthanc``;
without it the anchor is skipped and said so).  Each round, alternating which side goes first:

- C-GET of the study with DCMTK ``getscu``, C-MOVE with ``movescu`` to a DCMTK ``storescp``;
- STUDY-level C-FIND, ``--finds`` queries over one association from a pynetdicom client in its
  own process (so it shares no GIL with our SCP), and DCMTK ``findscu --repeat``.

Then medians, ours / Orthanc as a speed ratio (``anchor time / our time``: 1.0 is parity, higher is
faster).  ``--our-clients`` adds our own client's C-GET, the collector's C-MOVE and an IMAGE-level
C-FIND (ours only).  DCMTK runs with ``TCP_NODELAY=1``.

    .venv/bin/python loadtests/dicom_bench.py [--rounds 5] [--finds 500] [--no-orthanc] [--our-clients] [--ports 11200-11299]

``--ports LO-HI`` serves everything (our SCPs, storescp, Orthanc) on free ports of that range
instead of ports the kernel picks (a shared machine where each user has a range).
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orthanc_anchor  # noqa: E402
from serving import port_picker  # noqa: E402  beside this file

from reference.app import start_dicom  # noqa: E402
from reference.families.gateway.collector import collect_by_move  # noqa: E402
from reference.sandbox import Sandbox  # noqa: E402
from reference.transports.dicom.client import DicomClient, Peer, study_identifier  # noqa: E402
from sim.actors.hospital import keep_in_pacs  # noqa: E402
from sim.localnet import dicom_config, exam_of_modality  # noqa: E402
from sim.synth import make_study  # noqa: E402

ENV = {**os.environ, "TCP_NODELAY": "1"}
#: The STUDY-level query both sides answer: the study's UID and the keys a viewer's study list shows.
FIND_KEYS = {"QueryRetrieveLevel": "STUDY", "PatientName": "", "PatientID": "", "StudyDate": "", "StudyTime": "",
             "AccessionNumber": "", "StudyDescription": "", "ModalitiesInStudy": "",
             "NumberOfStudyRelatedInstances": ""}


def _dcmtk(args: list[str]) -> str:
    done = subprocess.run(args, env=ENV, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{args[0]} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


FAILURES: list[str] = []


def _timed(action: Callable[[], object]) -> float | None:
    """Seconds ``action`` took; None (the failure kept for the report) when it failed."""
    t = time.perf_counter()
    try:
        action()
    except SystemExit as exc:
        FAILURES.append(str(exc).splitlines()[0] if str(exc) else "failed")
        print(f"FAILED: {exc}", flush=True)
        return None
    return time.perf_counter() - t


def _keep(samples: list[float], value: float | None, scale: float = 1.0) -> None:
    if value is not None:
        samples.append(value / scale)


def find_client(title: str, port: int, study: str, count: int) -> None:
    """Child process: ``count`` STUDY-level C-FINDs over one association; prints JSON."""
    from pydicom.dataset import Dataset
    from pynetdicom import AE
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as FIND

    from reference.transports.dicom import patches
    from reference.transports.dicom.net import NODELAY_HANDLERS

    patches.install()
    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(FIND)
    ds = Dataset()
    for keyword, value in FIND_KEYS.items():
        setattr(ds, keyword, value)
    ds.StudyInstanceUID = study
    assoc = ae.associate("127.0.0.1", port, ae_title=title, evt_handlers=NODELAY_HANDLERS)
    if not assoc.is_established:
        raise SystemExit(f"no association with {title}@{port}")
    matches = 0
    for status, reply in assoc.send_c_find(ds, FIND):  # warm-up: caches on both sides
        matches += bool(reply is not None and status.Status in (0xFF00, 0xFF01))
    t = time.perf_counter()
    for _ in range(count):
        for _reply in assoc.send_c_find(ds, FIND):
            pass
    elapsed = time.perf_counter() - t
    assoc.release()
    print(json.dumps({"ms": elapsed / count * 1000, "matches": matches}))


def _find_in_child(title: str, port: int, study: str, count: int) -> float | None:
    """Seconds per query of the child's run; None (the failure kept for the report) when it failed."""
    done = subprocess.run([sys.executable, __file__, "--find-client", title, str(port), study, str(count)],
                          capture_output=True, text=True, env=os.environ)
    if done.returncode:
        FAILURES.append(f"find client against {title}: {done.stderr.strip().splitlines()[-1:]}")
        print(f"FAILED: find client against {title} exited {done.returncode}:\n{done.stderr[-1500:]}", flush=True)
        return None
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["matches"] != 1:
        raise SystemExit(f"STUDY-level C-FIND on {title} matched {result['matches']}, not 1")
    return float(result["ms"]) / 1000


class Side:
    """One SCP under test: its AE title, port and where its C-GETs land."""

    def __init__(self, name: str, title: str, port: int, root: Path, study: str, count: int) -> None:
        self.name, self.title, self.port, self.root, self.study, self.count = name, title, port, root, study, count

    def keys(self) -> list[str]:
        return ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={self.study}"]

    def get(self) -> None:
        out = self.root / f"get-{self.name}-{time.monotonic_ns()}"
        out.mkdir()
        _dcmtk(["getscu", "-S", "-aet", "PORTAL", "-aec", self.title, *self.keys(), "-od", str(out),
                "127.0.0.1", str(self.port)])
        got = len(list(out.iterdir()))
        shutil.rmtree(out)
        if got != self.count:
            raise SystemExit(f"C-GET from {self.name} brought {got} instances, not {self.count}")

    def move(self, dest: Path) -> None:
        before = len(list(dest.iterdir()))
        _dcmtk(["movescu", "-S", "-aet", "PORTAL", "-aec", self.title, "-aem", "DCMTK_STORE", *self.keys(),
                "127.0.0.1", str(self.port)])
        moved = len(list(dest.iterdir())) - before
        for f in dest.iterdir():
            f.unlink()
        if moved != self.count:
            raise SystemExit(f"C-MOVE from {self.name} delivered {moved} instances, not {self.count}")

    def findscu(self, repeat: int) -> None:
        keys = [a for k, v in FIND_KEYS.items() for a in ("-k", f"{k}={v}" if v else k)]
        _dcmtk(["findscu", "-S", "--repeat", str(repeat), "-aet", "PORTAL", "-aec", self.title, *keys,
                "-k", f"StudyInstanceUID={self.study}", "127.0.0.1", str(self.port)])


def _report(times: dict[str, dict[str, list[float]]], sides: list[str], size: int, count: int) -> None:
    print(f"\n{'operation (median of rounds)':<46} " + "  ".join(f"{s:>14}" for s in sides)
          + ("   ratio (anchor time / ours)" if len(sides) > 1 else ""))
    for op, per_side in times.items():
        medians = {s: statistics.median(per_side[s]) for s in sides if per_side.get(s)}
        cells = []
        for s in sides:
            m = medians.get(s)
            unit = f"{m * 1000:9.2f} ms" if m is not None and "FIND" in op else f"{m:9.3f} s " if m is not None else ""
            cells.append(f"{unit:>14}")
        line = f"{op:<46} " + "  ".join(cells)
        if "orthanc" in medians and "ours" in medians:
            line += f"   {medians['orthanc'] / medians['ours']:.2f}"
        if "FIND" not in op and "ours" in medians:
            line += f"   (ours {size / medians['ours'] / 1e6:.0f} MB/s, {count / medians['ours']:.0f} inst/s)"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--finds", type=int, default=500, help="C-FIND queries per association and round")
    parser.add_argument("--no-orthanc", action="store_true", help="ours only, even when Orthanc is installed")
    parser.add_argument("--only", choices=["get", "move", "find"], action="append",
                        help="run only these operations (repeatable; default all)")
    parser.add_argument("--our-clients", action="store_true", help="also our client's C-GET and collector's C-MOVE")
    parser.add_argument("--ports", metavar="LO-HI", help="serve on free ports of this range (default: any free port)")
    parser.add_argument("--find-client", nargs=4, metavar=("AET", "PORT", "STUDY", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.find_client:
        title, port, study, n = args.find_client
        return find_client(title, int(port), study, int(n))
    root = Path(tempfile.mkdtemp(prefix="dicom-bench-"))
    port = port_picker(args.ports)
    dest = port()
    (root / "scp").mkdir()  # before storescp starts: it exits when its output directory is missing
    storescp = subprocess.Popen(["storescp", "-aet", "DCMTK_STORE", "-od", str(root / "scp"), str(dest)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    pacs, archive, gateway = port(), port(), port()
    config = dicom_config(root / "home", hospital={"port": pacs, "move_destinations": {
        "DCMTK_STORE": {"port": dest}, "GATEWAY_STORE": {"port": gateway}, "CLOUD_ARCHIVE": {"port": archive}}},
        regional_platform={"port": archive}, gateway={"port": gateway})
    sandbox = Sandbox.open(config)
    scps = start_dicom(sandbox)
    orthanc = None
    try:
        exam = exam_of_modality("CT")
        instances = make_study(exam, seed=7, instances_per_series=100 // len(exam.series) + 1)[:100]
        keep_in_pacs(sandbox, exam, instances, "H51080200011")
        size, count, study = sum(len(i.data) for i in instances), len(instances), instances[0].study_uid
        pacs = next(s for s in scps if s.party == "hospital")
        print(f"study: {count} instances, {size / 1e6:.1f} MB ({size / count / 1024:.0f} KB each); "
              f"ours: pynetdicom SCP HOSP_PACS on {pacs.port}")
        sides = [Side("ours", "HOSP_PACS", pacs.port, root, study, count)]
        if not args.no_orthanc:
            orthanc = orthanc_anchor.start(root / "orthanc", port(), port(),
                                           {"portal": ("PORTAL", port()), "store": ("DCMTK_STORE", dest)})
            if orthanc is None:
                print("anchor: Orthanc is not installed (apt-get install orthanc): ours only, no ratios")
            else:
                for instance in instances:
                    orthanc.upload(instance.data)
                print(f"anchor: Orthanc {orthanc.version} on {orthanc.dicom_port}, the same {count} files")
                sides.append(Side("orthanc", orthanc_anchor.AE_TITLE, orthanc.dicom_port, root, study, count))
        times: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        repeat = max(args.finds // 5, 1)
        for r in range(args.rounds):
            order = sides if r % 2 == 0 else sides[::-1]
            ops = set(args.only or ["get", "move", "find"])
            for side in order if "get" in ops else []:
                _keep(times["C-GET  DCMTK getscu"][side.name], _timed(side.get))
            for side in order if "move" in ops else []:
                _keep(times["C-MOVE DCMTK movescu -> storescp"][side.name], _timed(functools.partial(side.move, root / "scp")))
            for side in order if "find" in ops else []:
                _keep(times[f"C-FIND STUDY, per query ({args.finds} in one assoc)"][side.name],
                      _find_in_child(side.title, side.port, study, args.finds))
            for side in order if "find" in ops else []:
                _keep(times[f"C-FIND STUDY, findscu --repeat {repeat}, per query"][side.name],
                      _timed(functools.partial(side.findscu, repeat)), repeat)
            if args.our_clients:
                _our_clients(sandbox, pacs.port, study, count, times)
            print(f"round {r + 1}: " + ", ".join(f"{op.split(',')[0].split('  ')[0]} {s} {v[s][-1] * 1000:.1f} ms"
                                                 for op, v in times.items() for s in v if v[s]), flush=True)
        _report(times, [s.name for s in sides], size, count)
        if FAILURES:
            print(f"{len(FAILURES)} operation(s) failed (left out of the medians): " + "; ".join(FAILURES))
    finally:
        for scp in scps:
            scp.stop()
        sandbox.close()
        if orthanc is not None:
            orthanc.stop()
        storescp.terminate()
        storescp.wait()
        shutil.rmtree(root, ignore_errors=True)


def _our_clients(sandbox: Sandbox, port: int, study: str, count: int, times: dict[str, dict[str, list[float]]]) -> None:
    peer = Peer("HOSP_PACS", "127.0.0.1", port)
    t = time.perf_counter()
    got = DicomClient(None, calling="PORTAL").get(peer, study_identifier(study))
    times["C-GET  our client"]["ours"].append(time.perf_counter() - t)
    assert len(got.files) == count
    t = time.perf_counter()
    moved = collect_by_move(sandbox, study)
    times["C-MOVE our collector -> our SCP"]["ours"].append(time.perf_counter() - t)
    assert len(moved.files) == count, [f.en for f in moved.findings]
    t = time.perf_counter()
    found = DicomClient(None, calling="PORTAL").find(peer, study_identifier(study, "IMAGE", SOPInstanceUID=""))
    times["C-FIND IMAGE level, 100 matches, our client"]["ours"].append(time.perf_counter() - t)
    assert len(found.matches) == count


if __name__ == "__main__":
    main()
