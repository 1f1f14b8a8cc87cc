"""The data a load test of the retrieval path needs (``imgcloud load prepare``; issue 12).

``prepare`` fills a running sandbox over its own interfaces — the simulated hospital uploads
exams through flow A (the province pulls them: the centre then answers ``queryImgCahe`` and the
hospital PACS holds the studies for C-FIND / C-GET and WADO), and a hospital uploads exams to
the provincial cloud through flow C — or, with ``fill=False``, only checks that a target already
holds enough.  Either way it writes one JSON file the Locust users read (``loadtests/locustfile.py``):
the requests to send, the tokens to send them with (issued once here: 003 allows 30 tokens per
uid and day, a load test must not spend them), the ``idCardNo`` ciphertexts (SM2 is the cloud's
cost, not the load generator's).  This module never imports locust.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx

from reference import __version__
from reference.config import Config
from reference.crypto import sm2

IMG_DLD_LIST, IMG_DLD_FILE = "queryImgCaheFileSn", "queryImgCahe"
#: exams of the seed's sequence the load data starts at: clear of the demo world's (which start at 0)
DEFAULT_START = 500


class LoadDataError(RuntimeError):
    """The target cannot give the load test what it needs (said in one line)."""


def _hospitals(config: Config) -> list[str]:
    codes = [i.code for i in config.institutions if i.kind == "hospital"]
    if len(codes) < 2:
        raise LoadDataError("the config names fewer than two hospitals (an uploader and a doctor elsewhere)")
    return codes


def _json(http: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    try:
        reply = http.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise LoadDataError(f"cannot reach {http.base_url}: {exc}") from None
    if reply.status_code != 200:
        raise LoadDataError(f"{method} {path}: HTTP {reply.status_code} {reply.text[:300]}")
    return reply.json()


def fill_centre(http: httpx.Client, hospital: str, count: int, *, seed: int, start: int) -> list[str]:
    """Flow A: the simulated hospital uploads ``count`` exams; their ``hiImgIndx``."""
    done = _json(http, "POST", "/_sandbox/actions/hospital-upload",
                 json={"hospital": hospital, "count": count, "seed": seed, "start": start, "batch": min(count, 10)})
    refused = [e for e in done["exams"] if e["result"].get("succFlag") not in ("0", "1")]
    if refused:
        raise LoadDataError(f"the centre refused {len(refused)} exams: {refused[0]['result'].get('message')}")
    return [e["hiImgIndx"] for e in done["exams"]]


def wait_pulled(http: httpx.Client, his: list[str], timeout: float) -> None:
    """The province pulls each registered index in the background: wait until every one is pulled."""
    deadline, pending = time.monotonic() + timeout, list(his)
    while pending:
        state = _json(http, "GET", f"/_sandbox/state/province/indexes/{pending[0]}")
        if state.get("pullStatus") == "pulled":
            pending.pop(0)
            continue
        if state.get("pullStatus") == "failed":
            raise LoadDataError(f"the province's pull of {pending[0]} failed: {state.get('pullFindings')}")
        if time.monotonic() > deadline:
            raise LoadDataError(f"{len(pending)} indexes not pulled after {timeout:.0f} s")
        time.sleep(0.3)


def centre_exams(http: httpx.Client, config: Config, wanted: int, only: list[str] | None) -> list[dict[str, Any]]:
    """The centre exams to pull: each with its image list (the centre's own ``queryImgCaheFileSn``)."""
    out: list[dict[str, Any]] = []
    for centre in (i.code for i in config.institutions if i.kind == "imaging_centre"):
        for exam in _json(http, "GET", f"/_sandbox/state/centre/{centre}/exams", params={"limit": 1000}):
            if (only is not None and exam["hiImgIndx"] not in only) or exam["status"] != "registered" or not exam["images"]:
                continue
            path = f"/centre/{centre}/imgDld"
            listing = _json(http, "POST", path, json={"hiImgIndx": exam["hiImgIndx"], "serviceName": IMG_DLD_LIST})
            files = (listing.get("data") or {}).get("imgFileSnList") or []
            if listing.get("code") == 0 and files:
                out.append({"centre": centre, "hospital": exam["hospital"], "hiImgIndx": exam["hiImgIndx"],
                            "imgDld": path, "studyUid": exam["studyUid"], "files": files})
            if len(out) >= wanted:
                return out
    return out


def fill_cloud(config: Config, base: str, hospital: str, count: int, *, seed: int, start: int) -> list[dict[str, Any]]:
    """Flow C: ``hospital`` uploads ``count`` exams to the provincial cloud (token, exam, DICOM, PDF)."""
    from sim.actors.province_cloud import HospitalClient, make_cloud_exam
    from sim.scenario.server import with_public_url

    cfg, now, out = with_public_url(config, base), datetime.now(), []
    with HospitalClient(cfg, hospital) as client:
        for index in range(start, start + count):
            exam = make_cloud_exam(cfg, hospital, seed=seed, index=index, now=now)
            done = client.upload(exam)
            if not done.get("examId"):
                raise LoadDataError(f"the cloud refused exam {exam.access}: {done.get('savePatientExam')}")
            out.append({"examId": done["examId"], "hospitalCode": hospital, "accessNumber": exam.access,
                        "patientName": exam.body["patientName"], "idCardNo": client.encrypt(exam.id_card)})
    return out


def cloud_exams(http: httpx.Client, wanted: int) -> list[dict[str, Any]]:
    """Exams the cloud already holds (no ``idCardNo``: doctors then skip ``queryFormerlyExam`` for them)."""
    rows = _json(http, "GET", "/_sandbox/state/province-cloud/exams", params={"limit": 1000})
    return [{"examId": r["examId"], "hospitalCode": r["hospitalCode"], "accessNumber": r["accessNumber"],
             "patientName": r["patient"], "idCardNo": None} for r in rows if r["images"] and r["pdf"]][:wanted]


def tokens(http: httpx.Client, config: Config, uids: set[str]) -> dict[str, str]:
    """One 003 token per uid, issued now (valid 7200 s)."""
    out: dict[str, str] = {}
    for uid in sorted(uids):
        inst = config.institution(uid)
        if inst is None:
            raise LoadDataError(f"{uid} is not a configured institution: no secret to ask a token with")
        reply = _json(http, "POST", "/interface/getToken", json={"uid": uid, "appSecret": config.secret_for(inst)})
        if reply.get("code") != 200:
            raise LoadDataError(f"getToken for {uid}: code {reply.get('code')}: {reply.get('msg')}")
        out[uid] = reply["datas"]["token"]
    return out


def prepare(config: Config, base: str, *, exams: int, fill: bool = True, seed: int | None = None,
            start: int = DEFAULT_START, pull_timeout: float = 300.0) -> dict[str, Any]:
    """The load data of ``base``: filled first (``fill``) or only checked; raises ``LoadDataError``
    when the target holds fewer than ``exams`` exams of either kind."""
    seed = config.seed if seed is None else seed
    uploader, doctor = _hospitals(config)[0], _hospitals(config)[-1]
    with httpx.Client(base_url=base, timeout=600, headers={"X-Imgcloud-Admin": config.admin_token()}) as http:
        only = None
        cloud: list[dict[str, Any]] = []
        if fill:
            only = fill_centre(http, uploader, exams, seed=seed, start=start)
            wait_pulled(http, only, pull_timeout)
            cloud = fill_cloud(config, base, uploader, exams, seed=seed, start=start)
        centre = centre_exams(http, config, exams, only)
        cloud = cloud or cloud_exams(http, exams)
        for what, got in (("imaging-centre exams with images", centre), ("provincial-cloud exams", cloud)):
            if len(got) < exams:
                raise LoadDataError(f"{base} holds {len(got)} {what}, {exams} wanted (fill it: imgcloud load prepare)")
        issued = tokens(http, config, {doctor, *(e["hospitalCode"] for e in cloud)})
    pacs = config.parties["hospital"]
    return {"base": base, "sandboxVersion": __version__, "seed": seed, "prepared": datetime.now().isoformat(timespec="seconds"),
            "centreExams": centre, "cloudExams": cloud, "doctor": doctor, "tokens": issued,
            "dicom": {"host": pacs.host or "127.0.0.1", "port": pacs.port, "calledAe": pacs.ae_title, "callingAe": "PORTAL"},
            "publicKey": sm2.issued_key(config).public_key if config.parties["province_cloud"].mode == "simulated" else None}
