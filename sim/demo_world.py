"""The demo world a fresh data home is seeded with on first start (issue 14), so that every
interface has something to answer and every page something to show.

Deterministic from the config's seed and the day it is planned: the simulated hospital
``H…11`` uploads the first exam of each modality in its sequence (CT, DX, MG, MR, NM, PT, US)
through flow A (hospital → imaging centre → province, which pulls the images), their studies
kept in the hospital's PACS; then flow C: the second hospital uploads an exam to the provincial
cloud (token, SM2 ``idCardNo``, DICOM, PDF, film), the city platform one more for it, and a
doctor at the first hospital looks them up (history, repeat, PDF, reminder, recognition);
those studies are in the PACS too.  Flow B, when the gateway is simulated: two exams happen at the
gateway's hospital (its PACS, its report database) and the gateway collects them — C-MOVE, upload
to the centre (the second is the one the ``deleteImage`` example withdraws).  Flow D, when the
regional platform is simulated: the second hospital's HIS sends SynApplyInfo, its PACS gets a
token, pushes the exam, C-STOREs the study and reports the day's statistics.

The plan and the steps done are kept in ``sandbox_state`` (key ``demo_world``): seeding runs in
the background after the listeners are up (``imgcloud serve``), and a start that finds it
interrupted resumes where it stopped.  Every step goes through the real interfaces, over HTTP,
like the CLI's ``imgcloud hospital upload``.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from reference.config import Config
from reference.families.imaging_centre.registration import links
from reference.families.province_cloud.film import info_for
from reference.families.province_cloud.service import exam_id_for
from reference.sandbox import Sandbox
from reference.storage.models import CentreExam, GatewayExam, IndexRecord
from reference.storage.state import DEMO_WORLD, read_state, write_state
from sim.demo import as_generator_institution, centre_for
from sim.fakedata.exams import make_exam

#: The parties the demo world goes through: all must be simulated.
PARTIES = ("hospital", "imaging_centre", "province_index", "province_cloud")
#: The parties of flows B and D: each flow is in the plan when its parties are simulated.
FLOW_PARTIES = {"B": ("gateway",), "D": ("regional_platform",)}
#: Exams the gateway collects in flow B (the last one is the deleteImage example's).
FLOW_B_EXAMS = 2
#: Modalities in the order the demo shows them (the exam catalogue's, sim/fakedata/exam_catalogue.yaml).
MODALITIES = ("CT", "MR", "DX", "MG", "US", "NM", "PT")
#: Where in the seed's exam sequence the demo world starts (flow C takes the indexes after flow A's,
#: so that no patient story repeats across the flows), and how far it looks for
#: a modality.  Beyond the first thousands, so that ``imgcloud hospital upload -n 3`` (exams 0–2)
#: adds new exams to the demo world rather than repeating its own.
BASE = 9000
SCAN = 400
#: Images per series beyond what an exam lists (small studies: first start stays quick).
MAX_PER_SERIES = 3
PULL_WAIT = 300.0
#: States of a seeding that did not finish: the next start goes on with the steps not done.
RESUMABLE = ("planned", "seeding", "interrupted", "failed")
#: A step that fails this soon before the sandbox stops was cut short by the stop, not failed.
STOPPING = 3.0


@dataclass(frozen=True)
class DemoExam:
    flow: str  # "A", "B", "C" or "D"
    hospital: str  # whose exam (the hospital that did it)
    index: int  # in the seed's sequence of that hospital
    modality: str
    accession: str
    item: str
    uploader: str  # who uploads it (the hospital, or a city platform in flow C)
    hi_img_indx: str | None = None  # flow A
    exam_id: str | None = None  # flow C
    apply_no: str | None = None  # flow D

    @property
    def step(self) -> str:
        return f"{self.flow}:{self.uploader}:{self.hospital}:{self.index}"


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    day: date  # flow A exams are dated before it
    now: datetime  # flow C exams took place in the 7 days before it
    centre: str
    exams: tuple[DemoExam, ...]
    doctor: str  # the hospital whose doctor reviews the flow-C exams

    @property
    def steps(self) -> list[str]:
        remind = ["B:remind"] if any(e.flow == "B" for e in self.exams) else []
        return [e.step for e in self.exams] + ["C:review", "A:pulled", *remind]

    def as_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "day": self.day.isoformat(), "now": self.now.isoformat(), "centre": self.centre,
                "doctor": self.doctor, "exams": [asdict(e) for e in self.exams]}

    @classmethod
    def of(cls, data: dict[str, Any]) -> DemoPlan:
        return cls(seed=int(data["seed"]), day=date.fromisoformat(data["day"]), now=datetime.fromisoformat(data["now"]),
                   centre=data["centre"], doctor=data["doctor"], exams=tuple(DemoExam(**e) for e in data["exams"]))

    def summary(self) -> str:
        parts: list[str] = []
        for flow in "ABCD":
            exams = [e for e in self.exams if e.flow == flow]
            if exams:
                noun = "" if parts else " exams"
                parts.append(f"{len(exams)}{noun} through flow {flow} ({', '.join(e.modality for e in exams)})")
        return ", ".join(parts)


def missing_parties(config: Config) -> list[str]:
    """The parties the demo world needs that are not simulated (then it is not seeded)."""
    return [p for p in PARTIES if config.parties[p].mode != "simulated"]


def _hospitals(config: Config) -> list[str]:
    return [i.code for i in config.institutions if i.kind == "hospital"]


def make_plan(config: Config, now: datetime) -> DemoPlan:
    """What the demo world will hold: deterministic in the seed and ``now``'s day."""
    hospitals = _hospitals(config)
    if not hospitals:
        raise LookupError("the config names no hospital")
    first, second = hospitals[0], hospitals[-1]
    centre = centre_for(config, None)
    store = as_generator_institution(config, centre)
    exams: list[DemoExam] = []
    gen = [as_generator_institution(config, config.institution(first))]  # type: ignore[arg-type]
    found: dict[str, DemoExam] = {}
    for i in range(BASE, BASE + SCAN):
        exam = make_exam(config.seed, i, hospitals=gen, centre=store, on=now.date())
        if exam.modality in MODALITIES and exam.modality not in found:
            found[exam.modality] = DemoExam("A", first, i, exam.modality, exam.accession_no, exam.item.name, first,
                                            hi_img_indx=exam.hi_img_indx)
        if len(found) == len(MODALITIES):
            break
    exams += [found[m] for m in MODALITIES if m in found]
    cloud = [as_generator_institution(config, config.institution(second))]  # type: ignore[arg-type]
    platform = next((i.code for i in config.institutions if i.kind == "city_platform"), second)
    after = max([e.index for e in exams], default=BASE) + 1
    for index, uploader in ((after, second), (after + 1, platform)):
        exam = make_exam(config.seed, index, hospitals=cloud, centre=store, on=now.date())
        exams.append(DemoExam("C", second, index, exam.modality, exam.accession_no, exam.item.name, uploader,
                              exam_id=exam_id_for(second, exam.accession_no)))
    exams += _flow_b_exams(config, after + 2, now) + _flow_d_exams(config, after + 2 + FLOW_B_EXAMS, now)
    return DemoPlan(seed=config.seed, day=now.date(), now=now.replace(microsecond=0), centre=centre.code,
                    exams=tuple(exams), doctor=first)


def _simulated(config: Config, flow: str) -> bool:
    return all(config.parties[p].mode == "simulated" for p in FLOW_PARTIES[flow])


def _flow_b_exams(config: Config, start: int, now: datetime) -> list[DemoExam]:
    """The exams the gateway collects (its collection hospital), when it is simulated; generated
    as ``sim.actors.hospital_pacs.examine`` generates them."""
    collection = config.parties["gateway"].collection
    hospital = collection.hospital or _hospitals(config)[0]
    inst = config.institution(hospital)
    if not _simulated(config, "B") or inst is None:
        return []
    gen = [as_generator_institution(config, inst)]
    store = as_generator_institution(config, centre_for(config, collection.centre))
    out = []
    for index in range(start, start + FLOW_B_EXAMS):
        exam = make_exam(config.seed, index, hospitals=gen, centre=store, on=now.date())
        out.append(DemoExam("B", hospital, index, exam.modality, exam.accession_no, exam.item.name, "gateway",
                            hi_img_indx=exam.hi_img_indx))
    return out


def _flow_d_exams(config: Config, index: int, now: datetime) -> list[DemoExam]:
    """The exam the second hospital's HIS and PACS send to the regional platform, when it is simulated."""
    from sim.fakedata.regional import regional_exam

    if not _simulated(config, "D"):
        return []
    hospital = _hospitals(config)[-1]
    r = regional_exam(config, hospital, seed=config.seed, index=index, on=now.date())
    return [DemoExam("D", hospital, index, r.exam.modality, r.exam_no, r.exam.item.name, "regional_platform",
                     apply_no=r.apply_no)]


def first_pages(sandbox: Sandbox, plan: DemoPlan) -> dict[str, str]:
    """The pages to open first: what the sandbox holds, a report (linking its images), a film."""
    base = sandbox.config.public_url
    out = {"home": f"{base}/_sandbox/"}
    flow_a = [e for e in plan.exams if e.flow == "A"]
    if flow_a:
        page = links(sandbox, plan.centre, flow_a[0].accession)
        out.update(report=page["examRpotLinkUrl"], images=page["imgInfoLinkUrl"])
    film = next((e for e in plan.exams if e.flow == "C" and e.exam_id), None)
    if film is not None and film.exam_id is not None:
        out["film"] = f"{base}/film/?Info={info_for(sandbox, film.exam_id)}"
    return out


# -- the state kept in sandbox_state ---------------------------------------------------------------

def start_state(sandbox: Sandbox, *, fresh: bool, empty: bool) -> dict[str, Any]:
    """Decide, at start, what happens to the demo world; returns its state (``status``):
    a fresh home is planned (or marked ``empty`` / ``skipped``); an interrupted seeding resumes."""
    state = read_state(sandbox.db, DEMO_WORLD)
    if not fresh:
        if state and state.get("status") in RESUMABLE:
            return state
        return state or {"status": "none"}
    if empty:
        state = {"status": "empty"}
    elif missing := missing_parties(sandbox.config):
        state = {"status": "skipped", "reason": f"{', '.join(missing)} not simulated"}
    else:
        plan = make_plan(sandbox.config, sandbox.now())
        state = {"status": "planned", "plan": plan.as_json(), "steps": plan.steps, "done": []}
    write_state(sandbox.db, DEMO_WORLD, state, sandbox.now())
    return state


def _save(sandbox: Sandbox, state: dict[str, Any]) -> None:
    write_state(sandbox.db, DEMO_WORLD, state, sandbox.now())


# -- seeding ------------------------------------------------------------------------------------

class Interrupted(Exception):
    """The sandbox is stopping: seeding ends here and resumes at the next start."""


def seed(sandbox: Sandbox, state: dict[str, Any], *, stop: threading.Event | None = None,
         say: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Run the plan's steps not done yet; the final state (``ready``, ``interrupted`` or ``failed``)."""
    plan = DemoPlan.of(state["plan"])
    stop = stop or threading.Event()
    done: list[str] = list(state.get("done") or [])
    state = {**state, "status": "seeding", "done": done}
    state.pop("reason", None)
    _save(sandbox, state)
    started = time.monotonic()
    try:
        for exam in plan.exams:
            if exam.step not in done:
                _check(stop)
                FLOWS[exam.flow](sandbox, plan, exam)
                done.append(exam.step)
                _save(sandbox, state)
        if "C:review" not in done:
            _check(stop)
            _review(sandbox, plan)
            done.append("C:review")
            _save(sandbox, state)
        if "A:pulled" not in done:
            _wait_for_pulls(sandbox, plan, stop)
            done.append("A:pulled")
            _save(sandbox, state)
        if "B:remind" in plan.steps and "B:remind" not in done:
            _check(stop)
            _remind(sandbox, plan)
            done.append("B:remind")
        state.update(status="ready", seconds=round(time.monotonic() - started, 1))
        say(f"demo world ready: {plan.summary()} ({state['seconds']} s)")
    except Interrupted:
        state["status"] = "interrupted"
    except Exception as exc:  # the sandbox serves on; the health status says what happened
        if stop.wait(STOPPING):  # the sandbox is stopping (its workers went first): resume at the next start
            state["status"] = "interrupted"
        else:
            state.update(status="failed", reason=f"{type(exc).__name__}: {exc}"[:500])
            say(f"demo world: seeding failed ({state['reason']}); the sandbox serves on, the next start tries again")
    _save(sandbox, state)
    return state


def _check(stop: threading.Event) -> None:
    if stop.is_set():
        raise Interrupted


def _flow_a(sandbox: Sandbox, plan: DemoPlan, exam: DemoExam) -> None:
    from sim.actors.hospital import upload_exams

    with sandbox.db.reading() as session:
        stored = session.scalar(select(CentreExam.id).where(CentreExam.centre_code == plan.centre,
                                                            CentreExam.hi_img_indx == exam.hi_img_indx,
                                                            CentreExam.deleted_at.is_(None)))
    if stored is not None:
        return
    done = upload_exams(sandbox, hospital=exam.hospital, count=1, start=exam.index, centre=plan.centre, seed=plan.seed,
                        on=plan.day, max_per_series=MAX_PER_SERIES)
    result = done[0].result
    if result.get("succFlag") not in ("1", "0"):
        raise RuntimeError(f"flow A upload of {exam.accession}: {result.get('message')}")


def _cloud_exam(sandbox: Sandbox, plan: DemoPlan, exam: DemoExam) -> Any:
    from sim.actors.province_cloud import make_cloud_exam

    return make_cloud_exam(sandbox.config, exam.hospital, seed=plan.seed, index=exam.index, now=plan.now)


def _flow_c(sandbox: Sandbox, plan: DemoPlan, exam: DemoExam) -> None:
    from sim.actors.hospital import keep_in_pacs
    from sim.actors.province_cloud import CityPlatformClient, HospitalClient

    cloud = _cloud_exam(sandbox, plan, exam)
    keep_in_pacs(sandbox, cloud.exam, cloud.instances, exam.hospital)
    client_class = HospitalClient if exam.uploader == exam.hospital else CityPlatformClient
    with client_class(sandbox.config, exam.uploader, sandbox=sandbox) as client:
        out = client.upload(cloud)
    if out.get("examId") != exam.exam_id:
        raise RuntimeError(f"flow C upload of {exam.accession}: {out.get('savePatientExam')}")


def _flow_b(sandbox: Sandbox, plan: DemoPlan, exam: DemoExam) -> None:
    """The exam happens at the gateway's hospital; the gateway collects it (C-MOVE) and uploads it."""
    from reference.families.gateway.collect import collect
    from reference.families.gateway.reports import ReportQuery
    from sim.actors.hospital_pacs import examine

    happened = examine(sandbox, hospital=exam.hospital, count=1, seed=plan.seed, start=exam.index, on=plan.now.date(),
                       instances_per_series=MAX_PER_SERIES)
    out = collect(sandbox, ReportQuery(exam.hospital, exam_no=str(happened[0]["examNo"])), source="http", images="move")
    done = [e for e in out["exams"] if e.get("accessionNo") == exam.accession]
    if not done or done[0].get("status") != "uploaded":
        raise RuntimeError(f"flow B collection of {exam.accession}: {out}"[:500])


def _flow_d(sandbox: Sandbox, plan: DemoPlan, exam: DemoExam) -> None:
    """The HIS sends the apply form (SynApplyInfo), the PACS gets a token, pushes the exam, stores
    its study in the archive and reports the day's statistics (004 §3.2, §3.4)."""
    from reference.families.jiwei import service as jiwei
    from reference.regional import identity
    from sim.actors.hospital import keep_in_pacs
    from sim.actors.regional import HisClient, PacsClient, study_files
    from sim.fakedata.regional import apply_document, jiwei_form, push_body, regional_exam, statistics_item
    from sim.synth import make_study

    r = regional_exam(sandbox.config, exam.hospital, seed=plan.seed, index=exam.index, on=plan.now.date())
    keep_in_pacs(sandbox, r.exam, make_study(r.exam, seed=plan.seed, instances_per_series=1), exam.hospital)  # Q/R mode
    inst = sandbox.config.institution(exam.hospital)
    assert inst is not None
    jiwei.store(sandbox, [{**jiwei_form(r), "yyid00": identity.regional_code(inst)}])  # 基卫 holds its apply form
    his = HisClient(sandbox.config, exam.hospital, sandbox=sandbox)
    try:
        applied = his.apply(apply_document(sandbox.config, r))
    finally:
        his.close()
    code = re.search(r"<code>(-?\d+)</code>", applied.result or "")
    if code is None or code.group(1) not in ("0", "-1"):  # -1: inserted by an interrupted start already
        raise RuntimeError(f"flow D SynApplyInfo of {r.apply_no}: {applied.result}"[:500])
    pacs = PacsClient(sandbox.config, exam.hospital, sandbox=sandbox)
    try:
        steps = {"push": pacs.push(push_body(r)),
                 "store": pacs.store(study_files(r, seed=plan.seed, per_series=1)),
                 "statistics": pacs.statistics([statistics_item(r)])}
    finally:
        pacs.close()
    failed = {k: v for k, v in steps.items() if (v.get("status") != 0 if k != "store" else not v.get("ok"))}
    if failed:
        raise RuntimeError(f"flow D of {r.exam_no}: {failed}"[:500])


def _review(sandbox: Sandbox, plan: DemoPlan) -> None:
    from sim.actors.province_cloud import DoctorClient

    first = next((e for e in plan.exams if e.flow == "C"), None)
    if first is None or first.exam_id is None:
        return
    cloud = _cloud_exam(sandbox, plan, first)
    with DoctorClient(sandbox.config, plan.doctor, sandbox=sandbox) as doctor:
        doctor.review(cloud, first.exam_id, project=f"{cloud.exam.item.code}B", when=plan.now, expected_pdf=cloud.pdf)


#: The doctor the demo world logs in to the gateway's viewing plug-in (hrball) at the second hospital.
DOCTOR = {"hisUserId": "2001", "type": "1", "doctorName": "李医生", "department": "放射科", "departmentCode": "FSK01",
          "doctorSex": "1", "doctorType": "1", "doctorCode": "D51080200001", "phoneNumber": "13800000000"}
DOCTOR_ID = "51080219800101001X"


def doctor_login(sandbox: Sandbox, hospital: str) -> dict[str, str]:
    """The hrball login parameters of the demo doctor at ``hospital`` (ID card SM2-encrypted now)."""
    from reference.crypto import sm2

    key = sm2.issued_key(sandbox.config).public_key
    return {**DOCTOR, "hospitalId": hospital, "doctorIdCardNo": sm2.encrypt(DOCTOR_ID, key)}


def _remind(sandbox: Sandbox, plan: DemoPlan) -> None:
    """A doctor at another hospital logs in to the viewing plug-in and selects the first flow-B
    exam's patient: the gateway reminds them of that exam (001 §4.4.3), so the bubble page has one."""
    import httpx

    from reference.crypto import sm2
    from reference.families.gateway import plugin
    from reference.parties import base_url

    first = next(e for e in plan.exams if e.flow == "B")
    other = next((h for h in _hospitals(sandbox.config) if h != first.hospital), first.hospital)
    with sandbox.db.reading() as session:
        certno = session.scalar(select(GatewayExam.report).where(GatewayExam.hospital_code == first.hospital,
                                                                 GatewayExam.accession == first.accession))
    if not certno:
        raise RuntimeError(f"flow B: the gateway holds no exam {first.accession}")
    key = sm2.issued_key(sandbox.config).public_key
    base = base_url(sandbox.config, "gateway")
    with httpx.Client(timeout=120) as http:
        login = http.get(plugin.build(doctor_login(sandbox, other), "http", base=base)).json()
        query = {"hisUserId": DOCTOR["hisUserId"], "hospitalId": other,
                 "idCardNo": sm2.encrypt(str(certno["certno"]), key)}
        remind = http.post(f"{base}/iuWorkStation/swipingIdCardNo", json=query).json()
    if login.get("code") != 200 or remind.get("code") != 200:
        raise RuntimeError(f"flow B reminder: {login} / {remind}"[:500])


def _wait_for_pulls(sandbox: Sandbox, plan: DemoPlan, stop: threading.Event) -> None:
    """The province pulls each registered index's images in the background: wait for them."""
    wanted = [e.hi_img_indx for e in plan.exams if e.flow in ("A", "B") and e.hi_img_indx]
    deadline = time.monotonic() + PULL_WAIT
    while time.monotonic() < deadline:
        with sandbox.db.reading() as session:
            states = list(session.scalars(select(IndexRecord.pull_status).where(IndexRecord.hi_img_indx.in_(wanted))))
        if len(states) == len(wanted) and all(s in ("pulled", "failed") for s in states):
            return
        if stop.wait(0.5):
            raise Interrupted
    raise RuntimeError(f"the province had not pulled every index after {PULL_WAIT:.0f} s")


FLOWS: dict[str, Callable[[Sandbox, DemoPlan, DemoExam], None]] = {"A": _flow_a, "B": _flow_b, "C": _flow_c, "D": _flow_d}
