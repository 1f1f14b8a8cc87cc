"""Generated identifiers stay unique per tenant (issue 13): two hospitals of the sandbox's config
generating with the SAME seed mint disjoint identifiers — UIDs, accession / apply / report / exam
numbers, hiImgIndx, msgid, the cloud's examId, 004's ApplyNo and SickNo — and the same ones again
when they generate again (deterministic in seed and institution code)."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from reference.config import Config, load_config
from reference.families.province_cloud.service import exam_id_for
from reference.validators.codes import make_msgid
from sim.demo import as_generator_institution, centre_for
from sim.fakedata.exams import make_exam
from sim.fakedata.pacs_reports import exam_no
from sim.fakedata.regional import regional_exam
from sim.synth.dicom import make_study

TENANTS = ("H51080200011", "H51080200012")
SEED, EXAMS, ON = 77, 60, date(2026, 11, 20)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(None, home=str(tmp_path_factory.mktemp("tenants")))


def identifiers(config: Config, code: str, *, seed: int = SEED) -> dict[str, set[str]]:
    """Every identifier tenant ``code`` generates for exams 0 … EXAMS-1 of ``seed``, by kind."""
    inst = config.institution(code)
    assert inst is not None
    hospital = [as_generator_institution(config, inst)]
    centre = as_generator_institution(config, centre_for(config, None))
    out: dict[str, set[str]] = {k: set() for k in ("uid", "accession", "apply", "report", "examNo", "hiImgIndx",
                                                    "msgid", "examId", "regionalApply", "sickNo")}
    for i in range(EXAMS):
        exam = make_exam(seed, i, hospitals=hospital, centre=centre, on=ON)
        out["uid"] |= {exam.study_uid, *(s.uid for s in exam.series), *(u for s in exam.series for u in s.instance_uids)}
        out["accession"].add(exam.accession_no)
        out["apply"].add(exam.apply_no)
        out["report"].add(exam.report_no)
        out["examNo"].add(exam_no(exam))
        out["hiImgIndx"].add(exam.hi_img_indx)
        out["msgid"].add(make_msgid(code, datetime(2026, 11, 20, 10, 0, 0), i))
        out["examId"].add(exam_id_for(code, exam.accession_no))
        regional = regional_exam(config, code, seed=seed, index=i, on=ON)
        out["regionalApply"].add(regional.apply_no)
        out["sickNo"].add(regional.sick_no)
    return out


def test_two_tenants_with_one_seed_mint_disjoint_identifiers(config: Config) -> None:
    first, second = (identifiers(config, code) for code in TENANTS)
    for kind in first:
        assert len(first[kind]) >= EXAMS and len(second[kind]) >= EXAMS, kind  # distinct within a tenant
        assert not first[kind] & second[kind], kind


def test_the_files_carry_the_tenant_s_uids(config: Config) -> None:
    """The DICOM files themselves (not only the exam's list) differ per tenant."""
    centre = as_generator_institution(config, centre_for(config, None))
    sops = []
    for code in TENANTS:
        inst = config.institution(code)
        assert inst is not None
        exam = make_exam(SEED, 0, hospitals=[as_generator_institution(config, inst)], centre=centre, on=ON)
        instances = make_study(exam, seed=SEED, instances_per_series=1)
        assert {i.study_uid for i in instances} == {exam.study_uid}
        sops.append({i.sop_instance_uid for i in instances})
    assert sops[0] and sops[1] and not sops[0] & sops[1]


def test_identifiers_are_deterministic_in_seed_and_institution(config: Config) -> None:
    assert identifiers(config, TENANTS[0]) == identifiers(config, TENANTS[0])
    other_seed = identifiers(config, TENANTS[0], seed=SEED + 1)
    assert not identifiers(config, TENANTS[0])["uid"] & other_seed["uid"]
