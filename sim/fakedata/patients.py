"""Simulated insured persons (参保人员) for the index rows of 000 §1.1.2.

Identity numbers come from :func:`reference.validators.idcard.make` (GB 11643): the region is
a county of the patient's city (or, for some, of another city of the same province), the
sequence's parity matches ``gend`` (odd = male "1").  ``age`` is the BigDecimal of 000 field 27
(one decimal place): completed years plus the elapsed fraction of the current year of life,
truncated to one decimal, so its integer part is the age that ``idcard.check_consistency``
expects.  Codes: ``psnCertType`` 111 (GA/T 2000.156 居民身份证), ``gend`` (000 §2.1),
``prfs`` (000 §2.4), ``mrgStas`` (GB/T 2261.2, reference/dictionaries/mrg_stas.yaml).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from reference.validators import idcard
from sim.fakedata.institutions import CITIES, ROADS, City, cities_near, city, faker, rng, serial

__all__ = ["Patient", "age_on", "make_patient", "make_patients", "mobile", "home_address"]


@dataclass(frozen=True)
class Patient:
    """One person; ``age`` is on the reference date ``on`` given to :func:`make_patients`
    (use :func:`age_on` for the age on an exam date)."""

    name: str
    cert_type: str
    certno: str
    birth: date
    gend: str
    age: float
    phone: str
    address: str
    postcode: str
    marital_status: str
    occupation: str
    ehc_no: str
    person_code: str
    patient_id: str
    ipt_no: str
    admdvs: str


def _birthday(year: int, birth: date) -> date:
    """``birth``'s birthday in ``year``; 29 February counts from 1 March in common years
    (the rule of :func:`reference.validators.idcard.age_on`)."""
    try:
        return birth.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def age_on(birth: date, day: date) -> float:
    """Age on ``day`` with one decimal (completed years + elapsed tenths of the year of life,
    truncated), e.g. 35.4.  Not negative."""
    years = idcard.age_on(birth, day)
    if years < 0:
        return 0.0
    last = _birthday(birth.year + years, birth)
    following = _birthday(birth.year + years + 1, birth)
    tenths = math.floor(10 * (day - last).days / (following - last).days)
    return round(years + min(tenths, 9) / 10, 1)


# Age bands (completed years) and their weights, roughly the age mix of imaging patients.
_AGE_BANDS: Final = ((0, 6, 3), (7, 17, 6), (18, 39, 24), (40, 59, 34), (60, 79, 27), (80, 94, 6))
_MOBILE_PREFIXES: Final = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "191", "198", "199",
)
_COMPOUNDS: Final = (
    "锦绣花园", "阳光城", "金色家园", "翡翠湾", "滨江花园", "书香名苑", "幸福里", "学府小区",
    "凤凰城", "绿洲家园", "世纪花园", "铁路小区", "电力小区", "紫荆苑",
)
_TOWNS: Final = ("城关", "白鹤", "龙潭", "太平", "新民", "永安", "清水", "石桥", "双河", "东坝")
_VILLAGES: Final = ("红星", "团结", "和平", "新建", "光明", "前进", "胜利", "柏林", "大湾", "桂花")


def _weighted(stream: random.Random, table: dict[str, int]) -> str:
    return stream.choices(list(table), weights=list(table.values()))[0]


def _birth(stream: random.Random, on: date) -> date:
    low, high, _ = stream.choices(_AGE_BANDS, weights=[b[2] for b in _AGE_BANDS])[0]
    days = stream.randint(max(low * 365 + 20, 20), (high + 1) * 365 - 1)
    return on - timedelta(days=days)


def mobile(stream: random.Random) -> str:
    """A mainland mobile number (1[3-9] + 9 digits, real number-segment prefixes)."""
    return stream.choice(_MOBILE_PREFIXES) + "".join(stream.choices("0123456789", k=8))


def home_address(stream: random.Random, where: City) -> str:
    """A home address in ``where``: an urban flat or, in a county (县), sometimes a village."""
    _code, district = stream.choice(where.districts)
    if district.endswith("县") and stream.random() < 0.5:
        return (
            f"{where.full_name}{district}{stream.choice(_TOWNS)}镇{stream.choice(_VILLAGES)}村"
            f"{stream.randint(1, 12)}组{stream.randint(1, 80)}号"
        )
    return (
        f"{where.full_name}{district}{stream.choice(ROADS)}{stream.randint(1, 299)}号"
        f"{stream.choice(_COMPOUNDS)}{stream.randint(1, 24)}栋{stream.randint(1, 4)}单元"
        f"{stream.randint(1, 28)}{stream.randint(1, 4):02d}室"
    )


def _marital(stream: random.Random, years: int) -> str:
    if years < 20:
        return "10"
    if years < 30:
        return _weighted(stream, {"10": 55, "20": 40, "90": 5})
    if years < 60:
        return _weighted(stream, {"20": 78, "21": 3, "22": 3, "40": 8, "10": 6, "90": 2})
    return _weighted(stream, {"20": 70, "30": 22, "40": 5, "90": 3})


def _occupation(stream: random.Random, years: int) -> str:
    if years < 6:
        return "90"
    if years < 18:
        return "31"
    if years < 23:
        return _weighted(stream, {"31": 70, "24": 10, "17": 10, "70": 10})
    if years < 60:
        return _weighted(
            stream,
            {"17": 20, "24": 15, "27": 15, "13": 12, "21": 6, "11": 4, "54": 8, "51": 6,
             "70": 6, "37": 1, "90": 7},
        )
    return _weighted(stream, {"80": 55, "27": 30, "70": 5, "90": 10})


def _id_region(stream: random.Random, home: City) -> str:
    """The registered-residence county of the ID number: mostly the home city, otherwise a
    city of the same province or (rarely) anywhere."""
    roll = stream.random()
    if roll < 0.8:
        source = home
    elif roll < 0.93:
        source = stream.choice(cities_near(home.admdvs))
    else:
        source = stream.choice(CITIES)
    return stream.choice(source.districts)[0]


def make_patient(seed: object, i: int, *, on: date, admdvs: str | None = None) -> Patient:
    """Item ``i`` of :func:`make_patients` (the same whatever ``n`` is)."""
    stream = rng(seed, "patient", i)
    home = city(admdvs) if admdvs else stream.choice(CITIES)
    male = stream.random() < 0.5
    birth = _birth(stream, on)
    years = idcard.age_on(birth, on)
    sequence = stream.randrange(0, 500) * 2 + (1 if male else 0)
    certno = idcard.make(_id_region(stream, home), birth, sequence)
    fake = faker(seed, "patient", i, "name")
    name = fake.name_male() if male else fake.name_female()
    return Patient(
        name=name,
        cert_type="111",
        certno=certno,
        birth=birth,
        gend="1" if male else "2",
        age=age_on(birth, on),
        phone=mobile(stream),
        address=home_address(stream, home),
        postcode=home.postcode[:4] + f"{stream.randint(0, 39):02d}",
        marital_status=_marital(stream, years),
        occupation=_occupation(stream, years),
        ehc_no="E" + home.admdvs + "".join(stream.choices("0123456789", k=12)),
        person_code=home.admdvs + "".join(stream.choices("0123456789", k=20)),
        patient_id=f"{serial(seed, 'patient_id', i, 10):010d}",
        ipt_no=f"ZY{serial(seed, 'ipt_no', i, 8):08d}",
        admdvs=home.admdvs,
    )


def make_patients(seed: object, n: int, *, on: date, admdvs: str | None = None) -> list[Patient]:
    """``n`` patients aged on the reference date ``on``; living in the city ``admdvs`` (a
    prefecture code of :data:`~sim.fakedata.institutions.CITIES`) when given, otherwise each
    in a city drawn from that table."""
    return [make_patient(seed, i, on=on, admdvs=admdvs) for i in range(n)]
