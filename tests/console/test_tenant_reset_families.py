"""A tenant's reset across every family (issue 13): two hospitals driven at once through the
served sandbox, with one seed, by the sim actors — flow C (provincial cloud), flow D (SynApplyInfo,
exam/push, statistics, C-STORE to the archive, the HIS's SynStatusInfo), 基卫's forms, flow B (the
hospital's PACS and report table, the gateway's collection) — then one is reset: every row of its
is gone, every row of anybody else's is still there, and the reply counts by table what went.

Whose a row is, is decided here from the row itself (its hospital, uid, regional code, or the owner
of the study it belongs to), not by the families' reset code."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from reference.config import Config
from reference.crypto import sm2
from reference.families.gateway import plugin
from reference.families.hospital_pacs.database import REPORTS, database_url, engine_for
from reference.regional import identity
from reference.sandbox import Sandbox
from reference.storage import models as m
from sim.actors.province_cloud import DoctorClient, HospitalClient, make_cloud_exam
from sim.actors.regional import HisClient, PacsClient, study_files
from sim.fakedata.regional import apply_document, push_body, regional_exam, statistics_item
from tests.console.conftest import World
from tests.flow_helpers import wait_for

RESET, KEPT = "H51080200012", "H51080200011"
SEED = 1301
DOCTOR_ID = "51080219800101001X"
#: Tables the drive fills for both tenants (the reply must count each of them for the reset one).
FILLED = ("province_exams", "province_instances", "province_records", "province_projects", "province_tokens",
          "province_auth", "gateway_exams", "gateway_sessions", "gateway_stored", "archive_stored", "archive_exams",
          "regional_exams", "regional_statistics", "regional_tokens", "syninfo_applies", "his_status_received",
          "jiwei_forms", "pacs_instances", "hospital_files", "hospital_reports")


def _cloud(world: World, code: str) -> str:
    """Flow C at ``code``: token, exam, DICOM, PDF, projects, film; the cloud's examId."""
    exam = make_cloud_exam(world.config, code, seed=SEED, now=datetime.now())
    with HospitalClient(world.config, code) as client:
        out = client.upload(exam)
    assert out["savePatientExam"]["code"] == 200, out
    return str(out["examId"])


def _regional(world: World, code: str) -> None:
    """Flow D at ``code``: the HIS's apply form, the PACS's push, statistics and images."""
    config, exam = world.config, regional_exam(world.config, code, seed=SEED, on=date.today())
    his = HisClient(config, code)
    try:
        assert his.apply(apply_document(config, exam)).ok
    finally:
        his.close()
    pacs = PacsClient(config, code)
    try:
        assert pacs.push(push_body(exam))["status"] == 0
        assert pacs.statistics([statistics_item(exam)])["status"] == 0
        assert pacs.store(study_files(exam, seed=SEED))["ok"]
    finally:
        pacs.close()
    statuses = wait_for(lambda: {"got": {r["status"] for r in world.http.get(f"/_sandbox/state/his/{code}/status-received")
                                         .json() if r["accepted"]}}, lambda s: {"20", "50", "70"} <= s["got"])
    assert {"20", "50", "70"} <= statuses["got"], statuses


def _hospital_and_gateway(world: World, code: str) -> None:
    """基卫's forms, the hospital's exam (PACS, files, report table) and the gateway's collection."""
    http = world.http
    assert http.post("/_sandbox/actions/jiwei-forms", json={"hospital": code, "count": 2, "seed": SEED}).status_code == 200
    reply = http.post("/_sandbox/actions/hospital-examine", json={"hospital": code, "count": 1, "seed": SEED})
    assert reply.status_code == 200, reply.text
    reply = http.post("/_sandbox/actions/gateway-pull", json={"hospital": code, "source": "http", "upload": False})
    assert reply.status_code == 200 and reply.json()["exams"], reply.text
    login = {"hisUserId": f"U{code[-4:]}", "type": "1", "doctorName": "李医生", "department": "放射科",
             "departmentCode": "FSK01", "doctorSex": "1", "doctorType": "1", "doctorCode": "D51080200001",
             "hospitalId": code, "doctorIdCardNo": sm2.encrypt(DOCTOR_ID, sm2.issued_key(world.config).public_key)}
    body = http.get(f"/hrball/?{plugin.parameter_string(login)}").json()  # a doctor logs in to the plug-in
    assert body["code"] == 200, body


def _drive(world: World, code: str) -> str:
    _regional(world, code)
    _hospital_and_gateway(world, code)
    return _cloud(world, code)


def holdings(sandbox: Sandbox, config: Config) -> dict[str, Counter[str | None]]:
    """Per table, how many rows each institution holds (``None``: nobody configured)."""
    region = {identity.regional_code(i): i.code for i in identity.hospitals(config)}
    with sandbox.db.reading() as s:
        def owners(*columns: Any, where: Any = True) -> list[Any]:
            return list(s.execute(select(*columns).where(where)).tuples()) if len(columns) > 1 else \
                list(s.scalars(select(*columns).where(where)))
        exam_of = dict(owners(m.ProvinceExam.id, m.ProvinceExam.hospital_code))
        archived = {study: region.get(h) for study, h in owners(m.ArchiveExam.study_uid, m.ArchiveExam.hospital_code)}
        collected = {study: h for study, h in owners(m.GatewayExam.study_uid, m.GatewayExam.hospital_code)}
        out = {
            "province_exams": Counter(owners(m.ProvinceExam.hospital_code)),
            "province_instances": Counter(exam_of.get(pk) for pk in owners(m.ProvinceInstance.exam_pk)),
            "province_records": Counter(owners(m.ProvinceRecord.uid)),
            "province_projects": Counter(owners(m.ProvinceProject.hospital_code)),
            "province_tokens": Counter(owners(m.ProvinceToken.uid)),
            "province_auth": Counter(owners(m.ProvinceAuth.uid)),
            "gateway_exams": Counter(owners(m.GatewayExam.hospital_code)),
            "gateway_sessions": Counter(owners(m.GatewaySession.hospital_code)),
            "gateway_reminders": Counter(owners(m.GatewayReminder.hospital_code)),
            "gateway_cursors": Counter(owners(m.GatewayCursor.hospital_code)),
            "gateway_stored": Counter(collected.get(u) for u in owners(m.DicomStored.study_uid,
                                                                      where=m.DicomStored.store == "gateway")),
            "archive_stored": Counter(archived.get(u) for u in owners(m.DicomStored.study_uid,
                                                                     where=m.DicomStored.store == "archive")),
            "archive_exams": Counter(region.get(h) for h in owners(m.ArchiveExam.hospital_code)),
            "regional_exams": Counter(region.get(h) for h in owners(m.RegionalExam.hospital_code)),
            "regional_statistics": Counter(region.get(h) for h in owners(m.RegionalStatistic.hospital_code)),
            "regional_tokens": Counter(region.get(h) for h in owners(m.RegionalToken.org_id)),
            "syninfo_applies": Counter(region.get(h) for h in owners(m.SynApply.hospital_code)),
            "his_status_received": Counter(owners(m.HisStatusReceived.hospital)),
            "jiwei_forms": Counter(region.get(h) for h in owners(m.JiweiForm.yyid00)),
            "pacs_instances": Counter(owners(m.PacsInstance.hospital_code)),
            "hospital_files": Counter(owners(m.HospitalFile.hospital_code)),
            "centre_exams": Counter(owners(m.CentreExam.hospital_code)),
        }
    with engine_for(database_url(config)).connect() as conn:
        out["hospital_reports"] = Counter(conn.scalars(select(REPORTS.c.fixmedins_code)))
    return out


@pytest.fixture
def reader(world: World) -> Iterator[Sandbox]:
    """Another worker on the served sandbox's database (reads only)."""
    sandbox = Sandbox.open(world.config, migrate=False)
    try:
        yield sandbox
    finally:
        sandbox.close()


def test_a_tenant_s_reset_forgets_its_state_in_every_family_and_nobody_else_s(world: World, reader: Sandbox) -> None:
    with ThreadPoolExecutor(2) as pool:  # two tenants driven at once, with one seed
        exam_ids = dict(zip((RESET, KEPT), pool.map(lambda code: _drive(world, code), (RESET, KEPT)), strict=True))
    for viewer, owner in ((RESET, KEPT), (KEPT, RESET)):  # each one's doctor views the other's exam
        with DoctorClient(world.config, viewer) as doctor:
            doctor.ensure_token()
            assert doctor.reminder(exam_ids[owner]).ok
    before = holdings(reader, world.config)
    for table in FILLED:
        assert before[table][RESET] and before[table][KEPT], (table, before[table])

    reply = world.http.post(f"/_sandbox/tenants/{RESET}/reset")
    assert reply.status_code == 200, reply.text
    state = reply.json()["state"]
    after = holdings(reader, world.config)

    for table, held in before.items():
        assert after[table][RESET] == 0, (table, after[table])
        assert state.get(table, 0) == held[RESET], (table, state.get(table), held)
        others = {k: v for k, v in held.items() if k != RESET and v}
        assert {k: v for k, v in after[table].items() if v} == others, table  # nobody else's row went
    # what the reset forgot, the sandbox's own views no longer show; the other tenant's they still do
    cloud = {e["hospitalCode"] for e in world.http.get("/_sandbox/state/province-cloud/exams").json()}
    assert RESET not in cloud and KEPT in cloud
    assert world.http.get(f"/_sandbox/state/his/{RESET}/status-received").json() == []
    assert world.http.get(f"/_sandbox/state/his/{KEPT}/status-received").json()


def test_a_tenant_that_is_a_calling_ae_forgets_what_it_stored_in_the_archive(world: World, reader: Sandbox) -> None:
    """The DICOM tenant (the exchange log's institution of an association is its calling AE)."""
    calling = world.config.parties["hospital"].ae_title or "HOSP_PACS"
    with reader.db.reading() as s:
        stored = s.scalars(select(m.DicomStored.store).where(m.DicomStored.calling_ae == calling)).all()
    held = Counter(stored)
    if not held["archive"]:  # the families test above stored through it; alone, store one study now
        _regional(world, KEPT)
        with reader.db.reading() as s:
            held = Counter(s.scalars(select(m.DicomStored.store).where(m.DicomStored.calling_ae == calling)).all())
    assert held["archive"]
    reply = world.http.post(f"/_sandbox/tenants/{calling}/reset")
    assert reply.status_code == 200, reply.text
    assert reply.json()["state"]["archive_stored"] == held["archive"]
    with reader.db.reading() as s:
        left = Counter(s.scalars(select(m.DicomStored.store).where(m.DicomStored.calling_ae == calling)).all())
    assert left["archive"] == 0 and left["gateway"] == held["gateway"]
