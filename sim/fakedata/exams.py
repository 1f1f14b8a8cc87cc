"""Simulated imaging exams: patient, ordering, acquisition, report and index number.

The catalogue of modalities, exam items, indications and report texts is data
(``exam_catalogue.yaml``, sources cited there).  Each exam ``i`` draws from its own stream
``rng(seed, "exam", i)``; hospital staff and devices are derived from the hospital alone, so
the same hospital keeps the same radiologists and scanners across calls and seeds.

Times: the exam happens 2-30 days before the reference date ``on``; ordering and symptoms
precede it, and report, audit, second audit and publication follow it in that order, all
before ``on``.  ``hi_img_indx`` uses the national layout (``hiimgindx.make_national``) with
the patient's 26-digit person code, the first ``examPart`` code, the device code and the
storing centre's USCC.

Identifiers and tenants (issue 13: "generated identifiers stay unique per tenant"): every
identifier an exam carries is derived from the seed *and* the hospital's code, deterministically,
so two vendors (tenants) generating with the same seed never mint each other's — the Study
Instance UID (``stable_int('study', seed, hospital code)`` then the exam's index; series and SOP
UIDs extend it), accession, apply and report numbers (:func:`hospital_serial`), the PACS's exam
number (from the study UID) and ``hi_img_indx`` (its device code is the hospital's).  The patient
and the clinical story stay functions of ``(seed, i)`` alone: one person may be examined at two
hospitals.  ``msgid`` is the sender's code + time + sequence (reference.validators.codes) and
the cloud's ``examId`` hashes (hospitalCode, accessNumber): both carry the tenant by construction.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any, Final

from reference.resources import load_yaml
from reference.validators import hiimgindx, idcard
from sim.fakedata.institutions import CITIES, Institution, faker, rng, serial, stable_int
from sim.fakedata.patients import Patient, age_on, make_patient

__all__ = [
    "UID_ROOT",
    "Catalogue",
    "Device",
    "Exam",
    "ExamItem",
    "Indication",
    "Modality",
    "ReportTemplate",
    "Series",
    "Staff",
    "hospital_devices",
    "load_catalogue",
    "staff_member",
    "make_exam",
    "make_exams",
]

# Sandbox DICOM UID root (a placeholder under the Medical Connections free-UID arc
# 1.2.826.0.1.3680043.10; replace with an organisation's own root for real use).
UID_ROOT: Final = "1.2.826.0.1.3680043.10.1234"

Vars = tuple[tuple[str, "str | tuple[str, ...]"], ...]

# --- catalogue ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTemplate:
    """One findings (imgDscr) / conclusion (diagRslt) pair with its examRsltCode."""

    rslt: str
    findings: str
    conclusion: str
    advice: str
    crit: str | None = None
    vars: Vars = ()
    min_age: int = 0


@dataclass(frozen=True)
class Indication:
    """Why an exam is ordered: clncDiag, disecode (ICD-10), chfcomp, sympDscr."""

    diag: str
    disecode: str
    onset: str
    chfcomp: str
    symp: str
    vars: Vars = ()
    min_age: int = 0
    sex: str | None = None
    max_age: int = 200
    depts: tuple[str, ...] = ()  # ordering departments, overriding the group's


@dataclass(frozen=True)
class Modality:
    code: str
    img_exam_type: str
    name_zh: str
    exam_dept: str
    accession_prefix: str
    device_type: str
    rooms: tuple[str, ...]
    models: tuple[str, ...]
    series: tuple[str, ...]


@dataclass(frozen=True)
class ExamItem:
    code: str
    name: str
    modality: str
    body_part: str
    exam_part: str
    exam_way: str
    indication_group: str
    weight: int
    reports: tuple[ReportTemplate, ...]
    emergency: bool = False
    sex: str | None = None
    min_age: int = 0
    series: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    modalities: Mapping[str, Modality]
    groups: Mapping[str, tuple[tuple[str, ...], tuple[Indication, ...]]]  # apply depts, indications
    items: tuple[ExamItem, ...]
    histories: tuple[tuple[str, int, int, Vars], ...]  # text, weight, min_age, vars
    allergies: tuple[tuple[str, int], ...]


def _vars(raw: dict[str, Any] | None) -> Vars:
    items = (raw or {}).items()
    return tuple((k, tuple(map(str, v)) if isinstance(v, list) else str(v)) for k, v in sorted(items))


def _report(raw: dict) -> ReportTemplate:
    return ReportTemplate(
        rslt=str(raw["rslt"]), findings=raw["findings"], conclusion=raw["conclusion"],
        advice=raw["advice"], crit=raw.get("crit"), vars=_vars(raw.get("vars")),
        min_age=int(raw.get("min_age", 0)),
    )


def _indication(raw: dict) -> Indication:
    return Indication(
        diag=raw["diag"], disecode=raw["disecode"], onset=raw["onset"], chfcomp=raw["chfcomp"],
        symp=raw["symp"], vars=_vars(raw.get("vars")), min_age=int(raw.get("min_age", 0)),
        sex=raw.get("sex"), max_age=int(raw.get("max_age", 200)), depts=tuple(raw.get("depts", ())),
    )


def _item(raw: dict) -> ExamItem:
    return ExamItem(
        code=raw["code"], name=raw["name"], modality=raw["modality"], body_part=raw["body_part"],
        exam_part=raw["exam_part"], exam_way=str(raw["exam_way"]),
        indication_group=raw["indication_group"], weight=int(raw["weight"]),
        reports=tuple(_report(r) for r in raw["reports"]), emergency=bool(raw.get("emergency")),
        sex=raw.get("sex"), min_age=int(raw.get("min_age", 0)), series=tuple(raw.get("series", ())),
    )


def _modality(code: str, raw: dict) -> Modality:
    return Modality(
        code=code, img_exam_type=str(raw["img_exam_type"]), name_zh=raw["name_zh"],
        exam_dept=raw["exam_dept"], accession_prefix=raw["accession_prefix"],
        device_type=raw["device_type"], rooms=tuple(raw["rooms"]), models=tuple(raw["models"]),
        series=tuple(raw["series"]),
    )


def _check(catalogue: Catalogue) -> Catalogue:
    for item in catalogue.items:
        where = f"exam_catalogue.yaml item {item.code}"
        if item.modality not in catalogue.modalities or item.indication_group not in catalogue.groups:
            raise ValueError(f"{where}: unknown modality or indication group")
        if not 2 <= len(item.reports) <= 4 or not any(r.min_age == 0 for r in item.reports):
            raise ValueError(f"{where}: needs 2-4 reports, one without min_age")
        if any(len(p) != 9 or not p.isascii() or not p.isalnum() or p != p.upper()
               for p in item.exam_part.split("|")):
            raise ValueError(f"{where}: exam_part must be 9 upper-case letters/digits")
    return catalogue


@functools.cache
def load_catalogue() -> Catalogue:
    """The packaged ``exam_catalogue.yaml``, parsed and checked (cached)."""
    text = resources.files("sim.fakedata").joinpath("exam_catalogue.yaml").read_text("utf-8")
    raw = load_yaml(text)
    return _check(
        Catalogue(
            modalities={k: _modality(k, v) for k, v in raw["modalities"].items()},
            groups={
                k: (tuple(v["apply_depts"]), tuple(_indication(x) for x in v["indications"]))
                for k, v in raw["indication_groups"].items()
            },
            items=tuple(_item(x) for x in raw["items"]),
            histories=tuple(
                (h["text"], int(h["weight"]), int(h.get("min_age", 0)), _vars(h.get("vars")))
                for h in raw["histories"]
            ),
            allergies=tuple((a["text"], int(a["weight"])) for a in raw["allergies"]),
        )
    )


# --- hospital staff and devices (derived from the hospital only) -----------------------


@dataclass(frozen=True)
class Staff:
    """A doctor or technician: code (D/T + hospital admdvs + 5 digits, sandbox scheme after
    the NHSA medical-staff code), Chinese name, identity number, gend, title, department."""

    code: str
    name: str
    idcard: str
    gend: str
    title: str
    dept: str


@dataclass(frozen=True)
class Device:
    """An imaging device: 13-character code (modality + hospital admdvs + 5 digits)."""

    code: str
    name: str
    type: str
    room: str
    modality: str


_TITLE_BIRTH_YEARS: Final = {
    "主任医师": (1962, 1975), "副主任医师": (1968, 1982), "主治医师": (1978, 1990),
    "住院医师": (1988, 1998), "主管技师": (1972, 1988), "技师": (1985, 1998), "技士": (1992, 2000),
}
_ROSTERS: Final = {
    "放射科": ("主任医师", "副主任医师", "副主任医师", "主治医师", "主治医师", "主治医师",
             "住院医师", "住院医师", "住院医师", "住院医师"),
    "超声医学科": ("主任医师", "副主任医师", "主治医师", "主治医师", "住院医师", "住院医师"),
    "核医学科": ("主任医师", "副主任医师", "主治医师", "住院医师"),
    "技师": ("主管技师", "主管技师", "技师", "技师", "技师", "技士"),
}
_CLINICAL_TITLES: Final = ("主任医师", "副主任医师", "主治医师", "住院医师")
_SENIOR: Final = frozenset({"主任医师", "副主任医师"})
_PAEDIATRICS: Final = "儿科"  # orders for children under 14 (except emergencies)


@functools.cache
def _dept_index(dept: str) -> int:
    catalogue = load_catalogue()
    depts = set(_ROSTERS) | {_PAEDIATRICS} | {d for depts, _ in catalogue.groups.values() for d in depts}
    depts |= {d for _, indications in catalogue.groups.values() for x in indications for d in x.depts}
    return sorted(depts).index(dept)


def _titles(dept: str) -> tuple[str, ...]:
    return _ROSTERS.get(dept, _CLINICAL_TITLES)


@functools.cache
def staff_member(hospital: Institution, dept: str, k: int) -> Staff:
    """Staff member ``k`` of ``dept`` (``技师`` for technicians) at ``hospital``."""
    title = _titles(dept)[k]
    stream = rng("staff", hospital.code, hospital.uscc, dept, k)
    male = stream.random() < 0.55
    low, high = _TITLE_BIRTH_YEARS[title]
    birth = date(stream.randint(low, high), 1, 1) + timedelta(days=stream.randrange(365))
    home = next((c for c in CITIES if c.admdvs == hospital.admdvs), None) or stream.choice(CITIES)
    region = stream.choice(home.districts if stream.random() < 0.8 else stream.choice(CITIES).districts)[0]
    fake = faker("staff", hospital.code, dept, k)
    number = (stable_int(hospital.code, "staff", digits=5) + 20 * _dept_index(dept) + k) % 100000
    return Staff(
        code=f"{'T' if dept == '技师' else 'D'}{hospital.admdvs}{number:05d}",
        name=fake.name_male() if male else fake.name_female(),
        idcard=idcard.make(region, birth, stream.randrange(0, 500) * 2 + (1 if male else 0)),
        gend="1" if male else "2",
        title=title,
        dept=dept,
    )


def _tier(hospital: Institution) -> str:
    if hospital.hosp_lv in {"01", "02", "03", "04", "12"}:
        return "tertiary"
    return "secondary" if hospital.hosp_lv in {"05", "06", "07", "13"} else "basic"


_DEVICE_COUNTS: Final = {
    "tertiary": {"DX": 3, "MG": 1, "CT": 3, "MR": 2, "US": 5, "NM": 1, "PT": 1},
    "secondary": {"DX": 2, "MG": 1, "CT": 2, "MR": 1, "US": 3},
    "basic": {"DX": 1, "CT": 1, "MR": 1, "US": 2},
}
# Modalities a hospital of the tier has only with this probability.
_OPTIONAL: Final = {"tertiary": {"PT": 0.6}, "secondary": {"MG": 0.6}, "basic": {"MR": 0.5}}


@functools.cache
def hospital_devices(hospital: Institution) -> Mapping[str, tuple[Device, ...]]:
    """The hospital's imaging devices per modality, by tier (hosp_lv): not every tertiary
    hospital has a PET/CT, nor every secondary one a mammography unit or basic one an MR."""
    catalogue = load_catalogue()
    tier = _tier(hospital)
    stream = rng("devices", hospital.code, hospital.uscc)
    base = stable_int(hospital.code, "devices", digits=5)
    devices: dict[str, tuple[Device, ...]] = {}
    for m_index, (code, count) in enumerate(_DEVICE_COUNTS[tier].items()):
        if stream.random() >= _OPTIONAL[tier].get(code, 1.0):
            continue
        modality = catalogue.modalities[code]
        devices[code] = tuple(
            Device(
                code=f"{code}{hospital.admdvs}{(base + 10 * m_index + k) % 100000:05d}",
                name=stream.choice(modality.models),
                type=modality.device_type,
                room=modality.rooms[k % len(modality.rooms)],
                modality=code,
            )
            for k in range(count)
        )
    return devices


# --- exams -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    uid: str
    number: int
    description: str
    instance_uids: tuple[str, ...]


@dataclass(frozen=True)
class Exam:
    """One exam with its report, as a hospital would upload it to an imaging centre."""

    patient: Patient
    institution: Institution  # the examining hospital
    centre: Institution  # the imaging centre storing the study (stogInsUscc)
    modality: str
    item: ExamItem
    body_part: str  # DICOM BodyPartExamined
    exam_part: str  # examPart code(s), "|"-separated
    exam_way: str
    img_exam_type: str
    patient_class: str  # "outpatient" | "inpatient" | "emergency"
    exam_time: datetime
    accession_no: str
    apply_no: str
    apply_time: datetime
    apply_dept: str
    exam_dept: str
    ward_code: str
    ward_name: str
    clinical_diag: str
    disecode: str
    chief_complaint: str
    illness_history: str
    allergy_history: str
    symptom_begin: datetime
    symptom_end: datetime
    symptom_desc: str
    billing_doctor: Staff
    exam_doctor: Staff
    technician: Staff
    report_doctor: Staff
    audit_doctor: Staff
    second_audit_doctor: Staff
    device: Device
    report_no: str
    findings: str  # imgDscr
    conclusion: str  # diagRslt
    exam_rslt_code: str
    advice: str
    critical_value: str
    report_time: datetime
    audit_time: datetime
    second_audit_time: datetime
    publish_time: datetime
    study_uid: str
    series: tuple[Series, ...]
    hi_img_indx: str

    @property
    def hospital(self) -> Institution:
        return self.institution

    @property
    def device_code(self) -> str:
        return self.device.code

    @property
    def age(self) -> float:
        """The patient's age on the exam date (000 field 27)."""
        return age_on(self.patient.birth, self.exam_time.date())


def _fill(stream: random.Random, ctx: dict[str, str], spec: Vars) -> None:
    for name, values in spec:
        if isinstance(values, tuple):
            ctx[name] = stream.choice(values)
            continue
        low, high = values.split("..")
        if "." in low or "." in high:
            ctx[name] = f"{stream.uniform(float(low), float(high)):.1f}"
        else:
            ctx[name] = str(stream.randint(int(low), int(high)))


_UNITS: Final = {"小时": timedelta(hours=1), "天": timedelta(days=1), "周": timedelta(weeks=1),
                 "个月": timedelta(days=30), "年": timedelta(days=365)}


def _onset(stream: random.Random, onset: str) -> tuple[str, timedelta]:
    span, unit = onset.split()
    low, high = span.split("..")
    value = stream.randint(int(low), int(high))
    return f"{value}{unit}", value * _UNITS[unit]


def _fits(entry: ExamItem | Indication, patient: Patient, years: int) -> bool:
    too_old = isinstance(entry, Indication) and years > entry.max_age
    return years >= entry.min_age and entry.sex in (None, patient.gend) and not too_old


def _choose_item(stream: random.Random, hospital: Institution, patient: Patient, years: int) -> ExamItem:
    catalogue = load_catalogue()
    available = hospital_devices(hospital)
    items = [
        item for item in catalogue.items
        if item.modality in available and _fits(item, patient, years)
        and any(_fits(ind, patient, years) for ind in catalogue.groups[item.indication_group][1])
    ]
    return stream.choices(items, weights=[item.weight for item in items])[0]


def _choose_report(stream: random.Random, item: ExamItem, years: int) -> ReportTemplate:
    """A report fitting the patient's age: 45 % normal findings (rslt 1), 55 % the others."""
    reports = [r for r in item.reports if years >= r.min_age]
    normal = sum(r.rslt == "1" for r in reports)
    if normal in (0, len(reports)):
        return stream.choice(reports)
    weights = [0.45 / normal if r.rslt == "1" else 0.55 / (len(reports) - normal) for r in reports]
    return stream.choices(reports, weights=weights)[0]


def _weighted_text(stream: random.Random, entries: Sequence[tuple], years: int) -> str:
    fitting = [e for e in entries if len(e) < 3 or years >= e[2]]
    entry = stream.choices(fitting, weights=[e[1] for e in fitting])[0]
    ctx: dict[str, str] = {}
    if len(entry) > 3:
        _fill(stream, ctx, entry[3])
    return entry[0].format_map(ctx)


def _exam_time(stream: random.Random, on: date, emergency: bool) -> datetime:
    day = on - timedelta(days=stream.randint(2, 30))
    if emergency:
        minute = stream.randrange(24 * 60)
    else:
        start, end = stream.choices([(450, 720), (810, 1080), (1080, 1290)], weights=[50, 38, 12])[0]
        minute = stream.randrange(start, end)
    return datetime.combine(day, time(minute // 60, minute % 60, stream.randrange(60)))


def _apply_time(stream: random.Random, exam_time: datetime, patient_class: str, appointment: bool) -> datetime:
    """When the exam was ordered: minutes before for emergencies, earlier the same morning
    for outpatients, during working hours 0-2 days before for inpatients and 1-7 days
    before for outpatient appointments (MR, NM, PT)."""
    if patient_class == "emergency":
        return exam_time - _minutes(stream, (10, 60))
    if patient_class == "outpatient" and not appointment:
        opening = datetime.combine(exam_time.date(), time(7, 30))
        return max(exam_time - _minutes(stream, (20, 180)), min(opening, exam_time))
    days = stream.randint(1, 7) if appointment and patient_class == "outpatient" else stream.randint(0, 2)
    minute = stream.randrange(8 * 60, 17 * 60 + 30)
    ordered = datetime.combine(exam_time.date() - timedelta(days=days), time(minute // 60, minute % 60, stream.randrange(60)))
    return ordered if ordered <= exam_time - timedelta(minutes=30) else ordered - timedelta(days=1)



_REPORT_DELAY: Final = {"US": (3, 25), "DX": (20, 240), "CR": (20, 240), "DR": (20, 240), "MG": (60, 1440),
                        "CT": (30, 360), "MR": (60, 1200), "NM": (120, 1440), "PT": (180, 1440)}


def _minutes(stream: random.Random, span: tuple[int, int]) -> timedelta:
    return timedelta(minutes=stream.randint(*span), seconds=stream.randrange(60))


def _report_time(stream: random.Random, exam_time: datetime, modality: str, emergency: bool) -> datetime:
    """Emergency reports within the hour; routine ones after the modality's usual delay,
    moved to the next morning when that falls outside 08:00-21:00."""
    if emergency:
        return exam_time + _minutes(stream, (10, 60))
    reported = exam_time + _minutes(stream, _REPORT_DELAY[modality])
    if 8 <= reported.hour < 21:
        return reported
    morning = reported.date() + timedelta(days=1 if reported.hour >= 21 else 0)
    return datetime.combine(morning, time(8)) + _minutes(stream, (0, 180))


def _pick(stream: random.Random, hospital: Institution, dept: str, want: set[str], avoid: Sequence[Staff]) -> Staff:
    titles = _titles(dept)
    choices = [k for k, t in enumerate(titles) if t in want]
    members = [staff_member(hospital, dept, k) for k in choices]
    members = [m for m in members if m not in avoid] or [staff_member(hospital, dept, k) for k in choices]
    return stream.choice(members)


def _roster_dept(modality: str) -> str:
    return {"US": "超声医学科", "NM": "核医学科", "PT": "核医学科"}.get(modality, "放射科")


def _series(stream: random.Random, study_uid: str, descriptions: Sequence[str]) -> tuple[Series, ...]:
    result = []
    for number, description in enumerate(descriptions, start=1):
        uid = f"{study_uid}.{number}"
        count = stream.randint(1, 3)
        result.append(Series(uid, number, description, tuple(f"{uid}.{k}" for k in range(1, count + 1))))
    return tuple(result)


def _ward(apply_dept: str, stream: random.Random) -> tuple[str, str]:
    ward = stream.randint(1, 3)
    return f"BQ{_dept_index(apply_dept):02d}{ward:02d}", f"{apply_dept}{'一二三'[ward - 1]}病区"


def hospital_serial(seed: object, kind: str, i: int, hospital: Institution, digits: int = 6) -> int:
    """Exam ``i``'s number of ``kind`` (accession, apply, report) at ``hospital``: :func:`serial`
    shifted by an offset derived from the hospital's code, so that the numbers stay distinct
    within one hospital (a shifted bijection of ``i``) and two hospitals (two tenants of the
    sandbox, issue 13) generating from the same seed do not mint the same numbers."""
    return (serial(seed, kind, i, digits) + stable_int(kind, hospital.code, digits=digits)) % 10**digits


def make_exam(
    seed: object, i: int, *, hospitals: Sequence[Institution], centre: Institution, on: date,
    patients: Sequence[Patient] | None = None,
) -> Exam:
    """Item ``i`` of :func:`make_exams` (the same whatever ``n`` is)."""
    catalogue = load_catalogue()
    stream = rng(seed, "exam", i)
    hospital = stream.choice(hospitals)
    if patients:
        patient = stream.choice(patients)
    else:
        local = stream.random() < 0.85 and any(c.admdvs == hospital.admdvs for c in CITIES)
        patient = make_patient(f"{seed}:exam", i, on=on, admdvs=hospital.admdvs if local else None)
    years = idcard.age_on(patient.birth, on)
    item = _choose_item(stream, hospital, patient, years)
    modality = catalogue.modalities[item.modality]
    apply_depts, indications = catalogue.groups[item.indication_group]
    indication = stream.choice([x for x in indications if _fits(x, patient, years)])
    report = _choose_report(stream, item, years)

    roll = stream.random()
    patient_class = ("emergency" if item.emergency and roll < 0.15
                     else "inpatient" if roll < 0.45 else "outpatient")
    depts = indication.depts or apply_depts
    if patient_class == "emergency":
        apply_dept = "急诊医学科"
    elif years < 14 and item.indication_group != "oncology":
        apply_dept = _PAEDIATRICS
    else:
        wards = [d for d in depts if d not in {"急诊医学科", "体检中心"}] or ["全科医学科"]
        apply_dept = stream.choice(wards if patient_class == "inpatient" else depts)
    ward_code, ward_name = _ward(apply_dept, stream) if patient_class == "inpatient" else ("", "")

    side = stream.choice(("左", "右"))
    ctx = {"side": side, "side2": "右" if side == "左" else "左"}
    dur, duration = _onset(stream, indication.onset)
    ctx["dur"] = dur
    _fill(stream, ctx, indication.vars)
    _fill(stream, ctx, report.vars)

    exam_time = _exam_time(stream, on, patient_class == "emergency")
    if exam_time.date() <= patient.birth:  # a newborn (20+ days) examined up to 30 days back: not before birth
        exam_time = datetime.combine(patient.birth + timedelta(days=1), exam_time.time())
    apply_time = _apply_time(stream, exam_time, patient_class, item.modality in {"MR", "NM", "PT"})
    report_time = _report_time(stream, exam_time, item.modality, patient_class == "emergency")
    audit_time = report_time + _minutes(stream, (1, 20) if item.modality == "US" else (10, 120))
    second_audit_time = audit_time + _minutes(stream, (5, 90))
    publish_time = second_audit_time + _minutes(stream, (1, 20))

    dept = _roster_dept(item.modality)
    reporter = _pick(stream, hospital, dept, {"主治医师", "住院医师"}, ())
    auditor = _pick(stream, hospital, dept, {"主任医师", "副主任医师", "主治医师"}, (reporter,))
    second = _pick(stream, hospital, dept, set(_SENIOR), (reporter, auditor))
    examiner = reporter if item.modality == "US" else _pick(stream, hospital, dept, set(_titles(dept)), ())
    technician = examiner if item.modality == "US" else staff_member(hospital, "技师", stream.randrange(len(_ROSTERS["技师"])))
    billing = staff_member(hospital, apply_dept, stream.randrange(len(_titles(apply_dept))))
    device = stream.choice(hospital_devices(hospital)[item.modality])

    study_uid = f"{UID_ROOT}.1.{stable_int('study', seed, hospital.code, digits=10)}.{i + 1}"
    exam_part = item.exam_part
    return Exam(
        patient=patient, institution=hospital, centre=centre, modality=item.modality, item=item,
        body_part=item.body_part, exam_part=exam_part, exam_way=item.exam_way,
        img_exam_type=modality.img_exam_type, patient_class=patient_class, exam_time=exam_time,
        accession_no=f"{modality.accession_prefix}{exam_time:%y%m%d}{hospital_serial(seed, 'accession', i, hospital):06d}",
        apply_no=f"SQ{apply_time:%Y%m%d}{hospital_serial(seed, 'apply_no', i, hospital):06d}",
        apply_time=apply_time, apply_dept=apply_dept, exam_dept=modality.exam_dept,
        ward_code=ward_code, ward_name=ward_name, clinical_diag=indication.diag,
        disecode=indication.disecode, chief_complaint=indication.chfcomp.format_map(ctx),
        illness_history=_weighted_text(stream, catalogue.histories, years),
        allergy_history=_weighted_text(stream, catalogue.allergies, years),
        symptom_begin=(apply_time - duration).replace(second=0), symptom_end=apply_time,
        symptom_desc=indication.symp.format_map(ctx), billing_doctor=billing, exam_doctor=examiner,
        technician=technician, report_doctor=reporter, audit_doctor=auditor,
        second_audit_doctor=second, device=device,
        report_no=f"BG{report_time:%Y%m%d}{hospital_serial(seed, 'report_no', i, hospital):06d}",
        findings=report.findings.format_map(ctx), conclusion=report.conclusion.format_map(ctx),
        exam_rslt_code=report.rslt, advice=report.advice.format_map(ctx),
        critical_value=report.crit.format_map(ctx) if report.crit else "无",
        report_time=report_time, audit_time=audit_time, second_audit_time=second_audit_time,
        publish_time=publish_time, study_uid=study_uid,
        series=_series(stream, study_uid, item.series or modality.series),
        hi_img_indx=hiimgindx.make_national(
            patient.person_code, exam_time, exam_part.split("|")[0], device.code, centre.uscc
        ),
    )


def make_exams(
    seed: object, n: int, *, hospitals: Sequence[Institution], centre: Institution, on: date,
    patients: Sequence[Patient] | None = None,
) -> list[Exam]:
    """``n`` exams at ``hospitals`` stored by ``centre``, dated within the 30 days before ``on``.

    Each exam gets a new patient living (mostly) in its hospital's city, unless ``patients``
    is given: then patients are drawn from it (so one person can have several exams).
    """
    if not hospitals:
        raise ValueError("make_exams needs at least one hospital")
    return [make_exam(seed, i, hospitals=hospitals, centre=centre, on=on, patients=patients) for i in range(n)]
