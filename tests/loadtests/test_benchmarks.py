"""Every benchmark script the README lists runs to its end and prints its figures (a heavy proof).

The scripts are issue 12's measurements, run by hand (never a timed assertion: no figure is checked
here).  Untested, they rot where nobody looks: ``lane_cpu_bench.py --validation``, a README command,
failed on WADO's GET (no request body) from the day WADO joined the fast lane.  Each is run here
with its smallest sizes, its anchors included: Debian's ``wrk`` and ``orthanc`` (``.ci/run`` installs
them; elsewhere such a script is skipped with the reason, and fails in CI).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.heavy
ROOT = Path(__file__).resolve().parents[2]
ALL_PATHS = ["queryImgCahe", "getToken", "saveExamRpotImgIndx", "queryFormerlyExam", "queryExamPdfData",
             "getdigitalImageUrl", "filmPage", "WADO"]

#: (script and its smallest arguments, Debian tools it needs, lines its output must hold).
RUNS = {
    "hotpath": (["hotpath_bench.py", "--seconds", "1", "--rounds", "1", "--paths", *ALL_PATHS],
                ("wrk", "Orthanc"), [*ALL_PATHS, "vs Orthanc (file GET)", "vs a bare save"]),
    "hotpath-2-workers": (["hotpath_bench.py", "--seconds", "1", "--rounds", "1", "--paths", "queryImgCahe",
                           "--workers", "2"], ("wrk", "Orthanc"), ["sandbox --workers 2", "vs Orthanc (file GET)"]),
    "dicom": (["dicom_bench.py", "--rounds", "1", "--finds", "10"], ("getscu", "Orthanc"),
              ["C-GET  DCMTK getscu", "C-MOVE DCMTK movescu", "C-FIND STUDY, per query", "C-FIND STUDY, findscu"]),
    "lane-cpu": (["lane_cpu_bench.py", "--requests", "40", "--rounds", "1", "--validation", "--profile",
                  "--paths", "queryImgCahe", "getToken", "saveExamRpotImgIndx"], (),
                 ["inspect_body quick check", "queryImgCahe           min", "saveExamRpotImgIndx    min",
                  "statuses {200: 40}"]),
    "lane-instructions": (["lane_instructions.py", "--requests", "20", "--warm", "20", "--rounds", "1", "--paths",
                           "getToken"], ("valgrind", "callgrind_control"), ["getToken", "instructions a request"]),
    "save-profile": (["save_profile.py", "--requests", "40", "--rounds", "1", "--profile"], (),
                     ["CPU", "of which row rules", "self time by component"]),
    "upload": (["upload_bench.py", "--exams", "18", "--images", "2", "--workers", "1", "2", "--rounds", "1",
                "--backends", "sqlite", "postgresql"], (), ["sqlite       1", "postgresql   2"]),
    "pull": (["pull_bench.py", "--rounds", "1"], (), ["anchor: bare reused httpx.Client", "after: the shared client"]),
    "imgdld": (["imgdld_bench.py", "--seconds", "1"], ("wrk",), ["Requests/sec:"]),
    "sm2": (["sm2_bench.py", "--n", "10"], (), ["now / before:"]),
    "hostile": (["hostile_bench.py", "--rows", "10", "--rounds", "1"], (), ["rows,", "an invalid PDU type: answered"]),
    "gateway": (["gateway_bench.py", "--exams", "2"], (), ["view sqlite", "view postgres", "view mariadb"]),
}


def _missing(tools: tuple[str, ...]) -> list[str]:
    return [tool for tool in tools if shutil.which(tool) is None]


@pytest.mark.parametrize("name", list(RUNS))
def test_benchmark_script_runs(name: str, tmp_path: Path) -> None:
    args, tools, expected = RUNS[name]
    missing = _missing(tools)
    if missing:
        reason = f"{args[0]} needs {', '.join(missing)} (apt-get install wrk orthanc dcmtk valgrind)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: .ci/run installs them")
        pytest.skip(reason)
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # the scripts' homes and files end with the test
    done = subprocess.run([sys.executable, str(ROOT / "loadtests" / args[0]), *args[1:]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    for line in expected:
        assert line in out, f"{line!r} not in the output of {args[0]}:\n{out[-3000:]}"
    for flaw in ("non-2xx", "sent again", "FAILED", "Traceback"):  # a figure that measures something else
        assert flaw not in out, out[-3000:]
