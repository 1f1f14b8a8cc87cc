"""Locust load test of the image-retrieval path (issue 12) — the only module that imports locust.

    .venv/bin/imgcloud load prepare --exams 10 -o load-data.json            # once: fill the sandbox
    IMGCLOUD_LOAD_DATA=load-data.json IMGCLOUD_LOAD_REPORT=report/ \\
        .venv/bin/locust -f loadtests/locustfile.py --headless -u 50 -r 10 -t 2m -H http://127.0.0.1:8000

The users (weights and think times from ``loadtests/profiles/retrieval.yaml``, or
``IMGCLOUD_LOAD_PROFILE``):

- ``ProvinceUser``: the province pulls an exam's images — ``queryImgCaheFileSn``, then
  ``queryImgCahe`` per instance (seeds/000 §1.3–1.4);
- ``DoctorUser``: a doctor elsewhere — ``queryFormerlyExam``, ``queryExamPdfData``,
  ``getdigitalImageUrl`` and the film page (seeds/003);
- ``DicomUser``: C-FIND of a study, then C-GET of its instances from the hospital PACS, through
  the sandbox's own DICOM client, each firing ``events.request`` (as Locust's ``contrib/postgres.py``);
- ``WadoUser``: single instances over WADO-URI.

When the run ends, the thresholds (``loadtests/thresholds/retrieval.yaml``, or
``IMGCLOUD_LOAD_THRESHOLDS``) are checked: a breach sets the exit code to 1.  With
``IMGCLOUD_LOAD_REPORT=DIR`` the sign-off report is written there (``loadtests/signoff.py``:
HTML, JUnit XML, JSON, SVG charts).  Distributed: the same command with ``--master`` on one
machine and ``--worker --master-host …`` on each other (each worker needs the load data file).
``IMGCLOUD_LOAD_SERVER_PIDS`` (space-separated) adds the sandbox processes' CPU and memory to
the report when it runs on this machine.
"""
from __future__ import annotations

import json
import os
import platform
import random
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import gevent
import locust
import yaml
from gevent.event import AsyncResult
from gevent.lock import Semaphore
from locust import HttpUser, User, between, events, task
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import signoff  # noqa: E402  (beside this file; locust puts the locustfile's folder first, pytest does not)

PROFILE = yaml.safe_load(Path(os.environ.get("IMGCLOUD_LOAD_PROFILE", HERE / "profiles/retrieval.yaml")).read_text("utf-8"))
THRESHOLDS_PATH = Path(os.environ.get("IMGCLOUD_LOAD_THRESHOLDS", HERE / "thresholds/retrieval.yaml"))
SAMPLE_SECONDS = float(os.environ.get("IMGCLOUD_LOAD_SAMPLE_SECONDS", "2"))


def _data() -> dict[str, Any]:
    path = os.environ.get("IMGCLOUD_LOAD_DATA", "load-data.json")
    if not Path(path).is_file():
        raise SystemExit(f"no load data at {path}: run `imgcloud load prepare --exams N -o {path}` first "
                         "(or set IMGCLOUD_LOAD_DATA)")
    return json.loads(Path(path).read_text("utf-8"))


DATA = _data()


def _profile(name: str) -> dict[str, Any]:
    return dict((PROFILE.get("users") or {}).get(name) or {})


def _wait(name: str) -> Any:
    low, high = _profile(name).get("wait", [1.0, 3.0])
    return between(float(low), float(high))


def _why(response: Any) -> str:
    """A failed reply in a line: its status and head, or the connection error when there was no reply."""
    if not response.status_code and response.error is not None:
        return f"HTTP 0 {response.error!r}"[:240]
    return f"HTTP {response.status_code} {response.text[:200]}"


def _ok_envelope(response: Any, code: int) -> bool:
    """The family's success code near the start of the body, without parsing a 700 KB reply."""
    return response.status_code == 200 and re.search(rb'"code"\s*:\s*%d\s*[,}]' % code, response.content[:96]) is not None


class ProvinceUser(HttpUser):
    """The province pulls images from the centre's imgDldLink (000 §1.3–1.4)."""

    weight = int(_profile("province").get("weight", 1))
    wait_time = _wait("province")

    @task
    def pull(self) -> None:
        exam = random.choice(DATA["centreExams"])
        hi, path = exam["hiImgIndx"], exam["imgDld"]
        with self.client.post(path, json={"hiImgIndx": hi, "serviceName": "queryImgCaheFileSn"},
                              name="queryImgCaheFileSn", catch_response=True) as listing:
            if not _ok_envelope(listing, 0):
                listing.failure(f"queryImgCaheFileSn: {_why(listing)}")
                return
            files = listing.json()["data"]["imgFileSnList"]
        k = int(_profile("province").get("images_per_pull", 0)) or len(files)
        for entry in random.sample(files, min(k, len(files))):
            with self.client.post(path, json={"hiImgIndx": hi, "imgFileSn": entry, "serviceName": "queryImgCahe"},
                                  name="queryImgCahe", catch_response=True) as reply:
                if not _ok_envelope(reply, 0) or b"fileContent" not in reply.content:
                    reply.failure(f"queryImgCahe: {_why(reply)}")


class DoctorUser(HttpUser):
    """A doctor at another hospital (003): history, the report PDF, the film URL and its page."""

    weight = int(_profile("doctor").get("weight", 1))
    wait_time = _wait("doctor")
    doctor = {"queryDocName": "黄医生", "queryDocCode": "10101", "queryDeptName": "放射科", "queryDeptCode": "0301",
              "mac": "00-1B-44-11-3A-B7"}

    def _post(self, operation: str, body: dict[str, Any], token: str) -> Any:
        with self.client.post(f"/interface/{operation}", json=body, headers={"X-Token": token}, name=operation,
                              catch_response=True) as reply:
            pdf = reply.headers.get("content-type", "").startswith("application/pdf")
            if reply.status_code != 200 or not (pdf or _ok_envelope(reply, 200)):
                reply.failure(f"{operation}: {_why(reply)}")
                return None
            return None if pdf else reply.json()

    @task
    def visit(self) -> None:
        exam = random.choice(DATA["cloudExams"])
        mine = DATA["tokens"][DATA["doctor"]]
        if exam.get("idCardNo"):
            self._post("queryFormerlyExam", {"searchType": "1", "idCardNo": exam["idCardNo"],
                                             "patientName": exam["patientName"], **self.doctor}, mine)
        self._post("queryExamPdfData", {"accessNumber": exam["accessNumber"], "hospitalCode": exam["hospitalCode"],
                                        "queryDocName": self.doctor["queryDocName"],
                                        "queryDocCode": self.doctor["queryDocCode"]}, mine)
        film = self._post("getdigitalImageUrl", {"examId": exam["examId"]}, DATA["tokens"][exam["hospitalCode"]])
        if film is not None:
            with self.client.get(str(film["datas"]), name="filmPage", catch_response=True) as page:
                if page.status_code != 200 or b"<img" not in page.content:
                    page.failure(f"filmPage: {_why(page)}")


class WadoUser(HttpUser):
    """A viewer fetching one instance over WADO-URI from the hospital PACS."""

    weight = int(_profile("wado").get("weight", 1))
    wait_time = _wait("wado")

    @task
    def instance(self) -> None:
        exam = random.choice(DATA["centreExams"])
        entry = random.choice(exam["files"])
        params = {"requestType": "WADO", "studyUID": entry["examUuid"], "seriesUID": entry["snUuid"],
                  "objectUID": entry["instUuid"], "contentType": "application/dicom"}
        with self.client.get(f"/hospital/{exam['hospital']}/wado", params=params, name="WADO", catch_response=True) as reply:
            if reply.status_code != 200 or reply.content[128:132] != b"DICM":
                reply.failure(f"WADO: {_why(reply)}")


class DicomAgent:
    """``dicom_agent.py`` as a child process of this one: pynetdicom on real threads, out of this
    process's gevent hub (why: that module's docstring).  Started on first use; each request is
    a JSON line, each reply is matched to its waiting greenlet by id."""

    def __init__(self) -> None:
        self.proc: Any = None
        self.waiting: dict[int, AsyncResult] = {}
        self.next_id = 0
        self.lock = Semaphore()

    def _start(self) -> Any:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, str(HERE / "dicom_agent.py")], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True, bufsize=1)
            gevent.spawn(self._read, self.proc)
        return self.proc

    def _read(self, proc: Any) -> None:
        for line in proc.stdout:
            reply = json.loads(line)
            waiter = self.waiting.pop(reply.pop("id"), None)
            if waiter is not None:
                waiter.set(reply)
        for waiter in list(self.waiting.values()):  # the agent ended: nothing more will come
            waiter.set({"ms": 0.0, "length": 0, "error": f"DICOM agent ended (exit {proc.wait()})"})
        self.waiting.clear()

    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        result = AsyncResult()
        with self.lock:
            proc = self._start()
            self.next_id += 1
            self.waiting[self.next_id] = result
            proc.stdin.write(json.dumps({"id": self.next_id, **request}) + "\n")
            proc.stdin.flush()
        reply: dict[str, Any] = result.get(timeout=timeout)
        return reply

    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()  # the agent ends when its input does
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


AGENT = DicomAgent()


class DicomUser(User):
    """A workstation: C-FIND the study, then C-GET its instances (our DICOM client, one association
    each, run by ``DicomAgent`` on real threads; the time is the client's, measured there)."""

    weight = int(_profile("dicom").get("weight", 1))
    wait_time = _wait("dicom")
    timeout = 30.0

    def _call(self, name: str, request: dict[str, Any]) -> bool:
        conf = DATA["dicom"]
        request = {**request, "peer": {"ae": conf["calledAe"], "host": conf["host"], "port": int(conf["port"])},
                   "calling": conf["callingAe"], "timeout": self.timeout}
        start = time.perf_counter()
        try:
            reply = AGENT.call(request, timeout=4 * self.timeout + 10)
        except gevent.Timeout:
            reply = {"ms": (time.perf_counter() - start) * 1000, "length": 0, "error": f"{name}: no answer from the DICOM agent"}
        self.environment.events.request.fire(
            request_type="DICOM", name=name, response_time=reply["ms"], response_length=reply["length"],
            exception=RuntimeError(reply["error"]) if reply["error"] else None, context={})
        return not reply["error"]

    @task
    def find_then_get(self) -> None:
        exam = random.choice(DATA["centreExams"])
        if not self._call("C-FIND", {"op": "find", "study": exam["studyUid"]}):
            return
        cap = int(_profile("dicom").get("max_instances", 0))
        series_uid = random.choice(exam["files"])["snUuid"]
        series = [f for f in exam["files"] if f["snUuid"] == series_uid]
        if cap and len(exam["files"]) > cap:
            self._call("C-GET", {"op": "get", "study": exam["studyUid"], "series": series_uid,
                                 "instances": [f["instUuid"] for f in series[:cap]]})
        else:
            self._call("C-GET", {"op": "get", "study": exam["studyUid"]})


# -- time series, resources, thresholds and the report -------------------------------------------

class Sampler:
    """Every ``SAMPLE_SECONDS``: per-operation requests/s and the percentiles of the last interval,
    users, and CPU (machine, this process, the sandbox's processes when named)."""

    def __init__(self, environment: Environment) -> None:
        self.env, self.t0 = environment, time.monotonic()
        self.series: list[dict[str, Any]] = []
        self.resources: list[dict[str, Any]] = []
        self._last: dict[str, tuple[int, dict[int, int]]] = {}
        self._cpu, self._last_t = _cpu_times(), time.monotonic()
        self.workers = 0  # the most workers seen connected (they are gone when the run quits)

    def run(self) -> None:
        while True:
            gevent.sleep(SAMPLE_SECONDS)
            self.sample()

    def sample(self) -> None:
        stats, now = self.env.stats, time.monotonic()
        elapsed = max(now - self._last_t, 1e-3)
        rps, merged = {}, {}
        for (name, _method), entry in list(stats.entries.items()):
            count, times = self._last.get(name, (0, {}))
            rps[name] = round((entry.num_requests - count) / elapsed, 2)
            for rt, n in entry.response_times.items():
                if n - times.get(rt, 0) > 0:
                    merged[rt] = merged.get(rt, 0) + n - times.get(rt, 0)
            self._last[name] = (entry.num_requests, dict(entry.response_times))
        total = sum(merged.values())
        pct = {p: _percentile(merged, total, q) for p, q in (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99))}
        users = self.env.runner.user_count if self.env.runner else 0
        if isinstance(self.env.runner, MasterRunner):
            self.workers = max(self.workers, self.env.runner.worker_count)
        t = round(now - self.t0, 1)
        self.series.append({"t": t, "users": users, "rps": rps, **pct})
        cpu = _cpu_times()
        self.resources.append({"t": t, **_utilisation(self._cpu, cpu, elapsed)})
        self._cpu, self._last_t = cpu, now


def _percentile(times: dict[int, int], total: int, q: float) -> float | None:
    if not total:
        return None
    seen = 0
    for rt in sorted(times):
        seen += times[rt]
        if seen >= total * q:
            return float(rt)
    return float(max(times))


def _server_pids() -> list[int]:
    """``IMGCLOUD_LOAD_SERVER_PIDS`` (separated by spaces or commas) and their children."""
    pids = [int(p) for p in os.environ.get("IMGCLOUD_LOAD_SERVER_PIDS", "").replace(",", " ").split()]
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) in pids:
            children.append(int(stat.parent.name))
    return pids + children


def _cpu_times() -> dict[str, Any]:
    """Jiffies: the machine's busy and total, this process's, the server's (and its RSS)."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in first]
    server, rss = 0, 0
    for pid in _server_pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            server += int(fields[11]) + int(fields[12])
            rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError):
            continue
    own = os.times()
    agent = _jiffies(AGENT.pid()) / os.sysconf("SC_CLK_TCK")  # the DICOM agent works for this process
    return {"busy": sum(values) - values[3] - values[4], "all": sum(values), "own": own.user + own.system + agent,
            "server": server, "rss": rss, "named": bool(os.environ.get("IMGCLOUD_LOAD_SERVER_PIDS"))}


def _jiffies(pid: int | None) -> int:
    """User + system CPU of a live process, in clock ticks (0 when there is none)."""
    if pid is None:
        return 0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError):
        return 0


def _utilisation(before: dict[str, Any], after: dict[str, Any], seconds: float) -> dict[str, Any]:
    tick, cores = os.sysconf("SC_CLK_TCK"), os.cpu_count() or 1
    span = max(after["all"] - before["all"], 1)
    return {"machine_cpu": round(100 * cores * (after["busy"] - before["busy"]) / span, 1),
            "generator_cpu": round(100 * (after["own"] - before["own"]) / max(seconds, 1e-3), 1),
            "server_cpu": (round(100 * (after["server"] - before["server"]) / tick / max(seconds, 1e-3), 1)
                           if after["named"] else None),
            "server_rss_mb": round(after["rss"] / 1e6, 1) if after["named"] else None}


SAMPLER: Sampler | None = None


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    global SAMPLER
    if not isinstance(environment.runner, WorkerRunner):
        SAMPLER = Sampler(environment)
        gevent.spawn(SAMPLER.run)


def _row(name: str, entry: Any, seconds: float) -> dict[str, Any]:
    n = entry.num_requests
    return {"name": name, "type": entry.method, "requests": n, "failures": entry.num_failures,
            "tps": round(n / seconds, 2), "avg_ms": round(entry.avg_response_time, 1),
            **{f"p{int(q * 100)}_ms": float(entry.get_response_time_percentile(q)) if n else None
               for q in (0.5, 0.9, 0.95, 0.99)},
            "max_ms": float(entry.max_response_time or 0), "mb_per_s": round(entry.total_content_length / seconds / 1e6, 3),
            "success_ratio": round(1 - entry.num_failures / n, 4) if n else None}


def _run(environment: Environment) -> dict[str, Any]:
    stats, opts = environment.stats, environment.parsed_options
    # from the first request to the last (not to the end of the users' last think time)
    seconds = max((stats.total.last_request_timestamp or time.time()) - stats.total.start_time, 1e-3)
    mode = (f"distributed: master + {SAMPLER.workers if SAMPLER else '?'} workers"
            if isinstance(environment.runner, MasterRunner) else "local")
    classes = [("ProvinceUser", "province", "queryImgCaheFileSn → queryImgCahe × images_per_pull"),
               ("DoctorUser", "doctor", "queryFormerlyExam → queryExamPdfData → getdigitalImageUrl → filmPage"),
               ("DicomUser", "dicom", "C-FIND (STUDY) → C-GET"), ("WadoUser", "wado", "WADO-URI GET")]
    return {
        "title": os.environ.get("IMGCLOUD_LOAD_TITLE", PROFILE.get("title", "load")),
        "started": datetime.fromtimestamp(stats.total.start_time).isoformat(timespec="seconds"),
        "ended": datetime.now().isoformat(timespec="seconds"), "duration_s": round(seconds, 1),
        "target": environment.host or DATA.get("base"),
        "environment": {"sandbox_version": DATA.get("sandboxVersion"), "seed": DATA.get("seed"), "cpus": os.cpu_count(),
                        "machine": f"{platform.node()}: {os.cpu_count()} CPU, {platform.platform()}, "
                                   f"Python {platform.python_version()}",
                        "load_generator": f"Locust {locust.__version__}, {mode}",
                        "notes": os.environ.get("IMGCLOUD_LOAD_NOTES")},
        "scenario": {"users": getattr(opts, "num_users", None), "spawn_rate": getattr(opts, "spawn_rate", None), "mode": mode,
                     "user_classes": [{"name": cls, "weight": _profile(key).get("weight", 1), "wait": _profile(key).get("wait"),
                                       "does": does} for cls, key, does in classes]},
        "operations": [_row(name, entry, seconds) for (name, _m), entry in sorted(stats.entries.items())],
        "total": _row("total", stats.total, seconds),
        "series": SAMPLER.series if SAMPLER else [], "resources": SAMPLER.resources if SAMPLER else [],
        "advice": [a for a in (os.environ.get("IMGCLOUD_LOAD_ADVICE") or "").split("|") if a],
    }


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_: Any) -> None:
    """Thresholds checked once, where the whole run's figures are (local runner or master)."""
    if SAMPLER is not None:
        SAMPLER.sample()  # before the DICOM agent goes: its CPU counts as the load generator's
    AGENT.stop()
    if isinstance(environment.runner, WorkerRunner):
        return
    run = _run(environment)
    checks = signoff.evaluate(run, signoff.load_thresholds(THRESHOLDS_PATH))
    for check in checks:
        print(("PASS " if check.passed else "FAIL " if check.passed is False else "SKIP ") + check.message)
    report = os.environ.get("IMGCLOUD_LOAD_REPORT")
    if report:
        paths = signoff.write_reports(run, checks, report)
        print(f"sign-off report: {paths['html']} (JUnit {paths['junit']}, JSON {paths['json']})")
    if signoff.verdict(checks) == "fail":
        print(f"thresholds breached ({THRESHOLDS_PATH}): exit 1")
        environment.process_exit_code = 1
