"""Index ↔ image (issue 16, Build 5): the DICOM a party receives against the row that claims
it — at the imaging centre (seeds/002 §二 saveExamRpotImgInfo) and at the provincial cloud
(seeds/003 savePatientExam + uploadDicom) — each disagreement named with its seed section;
the instances of a study against each other; charset forensics merged across a study's files."""
from __future__ import annotations

import dataclasses
from io import BytesIO
from typing import Any

import pytest
from pydicom import dcmread

from reference.dicom_row import study_inconsistencies
from reference.dicomio import identify
from reference.families.imaging_centre.fetch import DicomFile
from reference.families.imaging_centre.ingest import _row_vs_dicom
from sim.fakedata.img_info_rows import img_info_row
from sim.localnet import exam_of_modality
from sim.synth import make_study
from tests.province_cloud.helpers import H1, exam_body, exam_files, token, upload_exam


def _files(exam: Any, charset: str = "utf8", per_series: int = 1) -> list[DicomFile]:
    return [DicomFile(i.sop_instance_uid, i.data, identify(i.data))
            for i in make_study(exam, seed=3, instances_per_series=per_series, charset=charset)]


@pytest.fixture(scope="module")
def ct() -> Any:
    return exam_of_modality("CT", 7)


def _row(exam: Any, **changes: Any) -> dict[str, Any]:
    return {**img_info_row(exam, pdf_url="http://h/r.pdf", dicom_url="http://h/s.zip"), **changes}


@pytest.mark.parametrize("charset", ["utf8", "gb18030", "iso2022-gb2312", "pinyin"])
def test_the_rows_own_study_agrees_in_every_name_form(ct, charset):
    assert _row_vs_dicom(_row(ct), _files(ct, charset), "data[0]", "strict") == []


@pytest.mark.parametrize(("changes", "tag", "where"), [
    ({"psnName": "王五"}, "PatientName", "002 §二 序号2 psnName"),
    ({"patnId": "P0000000001"}, "PatientID", "002 §二 序号37 patnId"),
    ({"gend": "9"}, None, None),  # 未说明: not a disagreement
    ({"brdy": "1950-01-01"}, "PatientBirthDate", "002 §二 序号26 brdy"),
    ({"examDate": "2020-01-01"}, "StudyDate", "002 §二 序号12 examDate"),
    ({"imgExamType": "3"}, "Modality", "002 §二 序号9 imgExamType"),
    ({"imgExamType": "2|3"}, None, None),  # several types: CT is one of them
    ({"fixmedinsName": "别的医院"}, "InstitutionName", "002 §二 序号7 fixmedinsName"),
])
def test_each_disagreement_is_named_with_its_seed_section(ct, changes, tag, where):
    findings = _row_vs_dicom(_row(ct, **changes), _files(ct), "data[0]", "strict")
    if tag is None:
        assert findings == []
        return
    assert [f.rule for f in findings] == ["CENTRE-DICOM-ROW-MISMATCH"]
    assert findings[0].is_error and findings[0].path == "data[0].imgInfoDcm"
    assert f"DICOM 标签 {tag}" in findings[0].zh and where in findings[0].zh and where in findings[0].en
    lenient = _row_vs_dicom(_row(ct, **changes), _files(ct), "data[0]", "lenient")
    assert [f.severity for f in lenient] == ["warning"]


def test_a_pinyin_only_study_is_checked_by_pinyin(ct):
    files = _files(ct, "pinyin")
    assert str(dcmread(BytesIO(files[0].data), stop_before_pixels=True).PatientName).isascii()
    assert _row_vs_dicom(_row(ct, psnName="王五"), files, "data[0]", "strict")[0].params["tag"] == "PatientName"


def test_pet_ct_carries_its_ct_series_and_any_exam_its_scanned_form():
    pt = exam_of_modality("PT", 4)
    files = _files(pt)
    assert {f.identity.modality for f in files} == {"PT", "CT"}
    assert _row_vs_dicom(_row(pt), files, "data[0]", "strict") == []


def test_instances_of_one_study_must_agree(ct):
    files = _files(ct, per_series=1)
    other = dataclasses.replace(ct, patient=dataclasses.replace(ct.patient, patient_id="0000000001"))
    odd = _files(other)[0]
    mixed = [*files, odd]
    assert study_inconsistencies([f.identity for f in mixed]) == [
        ("PatientID", f"{ct.patient.patient_id!r} ×{len(files)}；'0000000001' ×1")]
    rules = [f.rule for f in _row_vs_dicom(_row(ct), mixed, "data[0]", "strict")]
    assert rules == ["DICOM-STUDY-INCONSISTENT"]


def test_charset_findings_are_merged_across_a_studys_files(ct):
    files = _files(ct, "mislabel-gbk-as-iso-ir-100", per_series=2)
    findings = _row_vs_dicom(_row(ct), files, "data[0]", "strict")
    assert {f.rule for f in findings} == {"DICOM-CHARSET-SINGLE-BYTE", "DICOM-PN-NO-COMPONENT-GROUPS"}
    assert all(not f.is_error for f in findings)  # stored, with warnings
    single = next(f for f in findings if f.rule == "DICOM-CHARSET-SINGLE-BYTE")
    assert "GBK" in single.en and f"({len(files)} files)" in single.en and f"（{len(files)} 个文件）" in single.zh


# -- the provincial cloud -------------------------------------------------------------------------
def _upload(running: Any, tok: str, data: bytes, inst: Any) -> dict[str, Any]:
    form = {"hospitalCode": H1, "accessNumber": "CS23213233", "studyUid": inst.study_uid,
            "seriesUid": inst.series_uid, "instanceUid": inst.sop_instance_uid}
    return running.client.post("/interface/uploadDicom", data=form, files={"dicomFile": ("a.dcm", data)},
                               headers={"X-Token": tok}).json()


def test_the_cloud_checks_a_file_against_its_exam(running):
    tok = token(running)
    _, instances, _ = exam_files()
    inst = instances[0]
    upload_exam(running, tok)
    assert _upload(running, tok, inst.data, inst)["code"] == 200  # the exam's own file
    body = {**exam_body(running), "patientName": "李四", "patientId": "XR2222", "modality": "CT", "sex": "2"}
    r = running.client.post("/interface/savePatientExam", json=body, headers={"X-Token": tok}).json()
    assert r["code"] == 200, r
    reply = _upload(running, tok, inst.data, inst)
    assert reply["code"] == 400
    for tag, field in (("PatientName", "patientName"), ("PatientID", "patientId"), ("Modality", "modality"),
                       ("PatientSex", "sex")):
        assert f"[PCLOUD-DICOM-EXAM-MISMATCH] $.dicomFile: DICOM 文件的 {tag}" in reply["msg"]
        assert f"003 savePatientExam {field}" in reply["msg"]


def test_the_cloud_accepts_a_mislabelled_file_with_warnings_naming_gbk(running):
    tok = token(running)
    exam, instances, _ = exam_files()
    upload_exam(running, tok)
    inst = make_study(exam, seed=1, instances_per_series=1, charset="unlabelled-gbk")[0]
    reply = _upload(running, tok, inst.data, inst)
    assert reply["code"] == 200, reply
    assert "[DICOM-CHARSET-UNDECLARED]" in reply["msg"] and "GBK" in reply["msg"]
    assert "PCLOUD-DICOM-EXAM-MISMATCH" not in reply["msg"]  # the name is read for what the bytes are
