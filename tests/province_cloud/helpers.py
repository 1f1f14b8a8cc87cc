"""A hospital talking to the simulated provincial cloud in-process (flow C pieces)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from reference.crypto import sm2
from sim.fakedata.exams import make_exam
from sim.fakedata.institutions import make_institutions
from sim.synth.dicom import make_study
from sim.synth.pdf import make_report_pdf
from tests.conftest import NOW

H1, H2 = "H51080200011", "H51080200012"
ID_CARD = "510802199001011237"


@lru_cache(maxsize=1)
def exam_files() -> tuple[Any, list[Any], bytes]:
    """A DX study whose patient, accession, date and hospital are those ``exam_body`` uploads
    (the cloud checks the file against the exam: PCLOUD-DICOM-EXAM-MISMATCH)."""
    hospitals = make_institutions(7, 2, admdvs="510800")
    centre = make_institutions(7, 1, "imaging_centre", admdvs="510800")[0]
    exam = next(e for i in range(400) if (e := make_exam(7, i, hospitals=hospitals, centre=centre, on=NOW.date())).modality == "DX")
    patient = replace(exam.patient, name="张三", patient_id="XR1111", gend="1")
    exam = replace(exam, patient=patient, accession_no="CS23213233", exam_time=NOW - timedelta(days=1),
                   institution=replace(exam.institution, name="广元市中心医院"))
    return exam, make_study(exam, seed=1, instances_per_series=1), make_report_pdf(exam)


def secret(running: Any, code: str) -> str:
    cfg = running.config
    return cfg.secret_for(cfg.institution(code))


def token(running: Any, code: str = H1) -> str:
    r = running.client.post("/interface/getToken", json={"uid": code, "appSecret": secret(running, code)})
    assert r.json()["code"] == 200, r.text
    return r.json()["datas"]["token"]


def enc(running: Any, plain: str = ID_CARD, **kw: Any) -> str:
    return sm2.encrypt(plain, sm2.issued_key(running.config).public_key, **kw)


def exam_body(running: Any, *, hospital: str = H1, access: str = "CS23213233", project: str = "X1001",
              study_uid: str | None = None, check_time: str | None = None) -> dict[str, Any]:
    _, instances, _ = exam_files()
    when = check_time or f"{NOW - timedelta(days=1):%Y-%m-%d %H:%M:%S}"
    return {
        "hospitalCode": hospital, "patientId": "XR1111", "patientName": "张三", "phoneNumber": "13800138000",
        "idCardNo": enc(running), "accessNumber": access, "patientType": "1",
        "studyUid": study_uid or instances[0].study_uid, "patientAge": "36", "patientAgeUnit": "1", "sex": "1",
        "modality": "DX", "examProjectCode": project, "examProjectName": "胸部", "imageDescription": "两肺纹理清晰。",
        "conclusion": "两肺未见明显实变。", "reportDocName": "李医生", "reportDocCode": "0112", "auditDocName": "王医生",
        "auditDocCode": "0113", "regTime": when, "checkTime": when, "reportDateTime": when, "auditDateTime": when,
        "infectionName": "0", "criticalValue": "0", "reportStatus": "7", "price": 285,
    }


def post(running: Any, op: str, body: Any, tok: str | None, **kw: Any) -> Any:
    headers = {"X-Token": tok} if tok else {}
    return running.client.post(f"/interface/{op}", json=body, headers=headers, **kw)


def upload_exam(running: Any, tok: str, **kw: Any) -> str:
    r = post(running, "savePatientExam", exam_body(running, **kw), tok)
    assert r.json()["code"] == 200, r.text
    return r.json()["datas"]


def upload_files(running: Any, tok: str, hospital: str = H1, access: str = "CS23213233") -> None:
    _, instances, pdf = exam_files()
    for inst in instances:
        form = {"hospitalCode": hospital, "accessNumber": access, "studyUid": inst.study_uid,
                "seriesUid": inst.series_uid, "instanceUid": inst.sop_instance_uid}
        r = running.client.post("/interface/uploadDicom", data=form, files={"dicomFile": ("a.dcm", inst.data)},
                                headers={"X-Token": tok})
        assert r.json()["code"] == 200, r.text
    r = running.client.post("/interface/saveExamPdf", data={"hospitalCode": hospital, "accessNumber": access},
                            files={"examPdf": ("r.pdf", pdf, "application/pdf")}, headers={"X-Token": tok})
    assert r.json()["code"] == 200, r.text
