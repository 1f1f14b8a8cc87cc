"""One generated exam as every interface of seeds/004 carries it — the same patient, apply form,
study and report in the HIS's SynApplyInfo ``<XmlDocument>`` (§3.4.1.1), the third-party PACS's
exam/push body (§3.2.3.1), the primary-care platform's apply form (§3.1.3.1) and a statistics
item (§3.2.3.3).  The exam comes from :func:`sim.fakedata.exams.make_exam` (the patients of
the other families), so the values agree across protocols:

- the hospital ID (004's 医院ID / orgId / hospitalCode / yyid00) is the regional code;
- ApplyNo ``<code>_<8 digits>`` (VARCHAR(16)); SickNo ``<code>_<patient id>``;
- the images' PatientID, StudyInstanceUID and AccessionNumber are the push's ``patientID``,
  ``studyUID`` and ``accessionNo`` (004 §3.2.3.2.1);
- the HIS pre-assigns the StudyInstanceUID (as a worklist would) and sends it in ``Reserve1``
  (保留字段1), so the apply form, the push and the archived images can be cross-checked.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from reference.config import Config, InstitutionConfig
from reference.regional import identity
from sim.demo import as_generator_institution, centre_for
from sim.fakedata.exams import Exam, make_exam

#: DICOM modality -> 004 exam class (WNCV5103_01)
EXAM_CLASS = {"CT": "CT", "MR": "MR", "DX": "X-Ray", "CR": "X-Ray", "DR": "X-Ray", "MG": "X-Ray", "US": "US",
              "NM": "NM", "PT": "NM", "XA": "DSA", "ES": "ES"}
#: DICOM body part -> 004 检查部位 name (§3.2.4.2)
ORGANS = {"HEAD": "头颅", "BRAIN": "头颅", "NECK": "颈部", "CSPINE": "颈胸椎", "TSPINE": "颈胸椎", "LSPINE": "腰骶椎",
          "CHEST": "胸部", "LUNG": "肺部常规", "BREAST": "乳腺摄片", "HEART": "心脏", "ABDOMEN": "腹部", "PELVIS": "腹部",
          "KNEE": "关节", "SHOULDER": "关节", "HIP": "关节", "HAND": "上肢", "FOOT": "下肢", "THYROID": "小器官"}
#: DICOM modality -> 004 imageList modality (DX/CT/MR/XA/NM/US/ES/GM)
MODALITY = {"CR": "DX", "DR": "DX", "MG": "DX", "PT": "NM"}
PATIENT_CLASS = {"outpatient": ("OU", "门诊"), "inpatient": ("IN", "住院"), "emergency": ("EM", "急诊")}
SOURCES = {"outpatient": "门诊", "inpatient": "住院", "emergency": "急诊"}
_TIME = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class RegionalExam:
    """A generated exam at a hospital, with its 004 identities."""

    exam: Exam
    hospital: InstitutionConfig
    code: str  # the regional code (医院ID)

    @property
    def apply_no(self) -> str:
        return f"{self.code}_{self.exam.apply_no[-8:]}"

    @property
    def sick_no(self) -> str:
        return f"{self.code}_{self.exam.patient.patient_id}"

    @property
    def exam_no(self) -> str:
        return self.exam.accession_no

    @property
    def card_no(self) -> str:
        return self.exam.patient.ehc_no

    @property
    def exam_class(self) -> str:
        return EXAM_CLASS.get(self.exam.modality, "OT")

    @property
    def organ(self) -> str:
        return ORGANS.get(self.exam.body_part, "其他")

    @property
    def sex(self) -> str:
        return {"1": "男", "2": "女"}.get(self.exam.patient.gend, "其他")

    @property
    def age(self) -> str:
        return f"{int(self.exam.age)}岁"

    def summary(self) -> dict[str, Any]:
        e = self.exam
        return {"hospital": self.hospital.code, "hospitalCode": self.code, "applyNo": self.apply_no, "sickNo": self.sick_no,
                "examNo": self.exam_no, "patientID": e.patient.patient_id, "patientName": e.patient.name,
                "studyUID": e.study_uid, "accessionNo": e.accession_no, "examClass": self.exam_class,
                "examDate": f"{e.exam_time:%Y-%m-%d}", "cardNo": self.card_no, "modality": e.modality,
                "businesstype": "2" if e.patient_class == "inpatient" else "1"}


def regional_exam(config: Config, hospital: str, *, seed: int | None = None, index: int = 0,
                  on: date | None = None) -> RegionalExam:
    """Exam ``index`` of ``seed`` at ``hospital`` (dated in the 30 days before ``on``)."""
    inst = config.institution(hospital)
    if inst is None or inst.kind not in identity.CALLER_KINDS:
        raise KeyError(f"{hospital!r} is not a configured hospital")
    exam = make_exam(config.seed if seed is None else seed, index, hospitals=[as_generator_institution(config, inst)],
                     centre=as_generator_institution(config, centre_for(config, None)), on=on or date.today())
    return RegionalExam(exam, inst, identity.regional_code(inst))


# -- SynApplyInfo (004 §3.4.1.1) -----------------------------------------------------------------

def _el(name: str, value: object = "", code: str | None = None) -> str:
    attr = f" code={quoteattr(code)}" if code is not None else ""
    return f"<{name}{attr}>{escape(str(value))}</{name}>"


def apply_document(config: Config, r: RegionalExam, *, action: str = "INSERT", license_: str | None = None) -> str:
    """The ``<XmlDocument>`` the HIS sends, in the structure of 004's sample."""
    e, p = r.exam, r.exam.patient
    klass, klass_name = PATIENT_CLASS[e.patient_class]
    outpatient = klass != "IN"
    license_ = license_ or identity.license_for(config, r.hospital)
    header = _el("Application", "HIS") + _el("License", license_) + _el("Action", action)
    patient = "".join([
        _el("SickNo", r.sick_no), _el("CardNo", r.card_no), _el("SiCard", p.certno), _el("MiCard", p.certno),
        _el("PatientClass", klass_name, klass), _el("InPatientNo", "" if outpatient else p.ipt_no),
        _el("OutPatientNo", f"MZ{p.patient_id}" if outpatient else ""), _el("PatientName", p.name),
        _el("Phoneticize", _pinyin(p.name) if outpatient else ""), _el("BirthDate", f"{p.birth:%Y-%m-%d}"),
        _el("Age", r.age), _el("Sex", r.sex), _el("Address", p.address[:200]), _el("ZipCode", p.postcode),
        _el("PhoneNumber", p.phone),
        f"<Identity>{_el('Type', 'ID')}{_el('Name', '居民身份证')}{_el('Number', p.certno)}</Identity>",
    ])
    item = (f"<ExamItems><ExamItem>{_el('ItemCode', e.item.code)}{_el('ItemName', e.item.name)}"
            f"{_el('OrderNo', e.apply_no[-8:])}{_el('Count', 1)}</ExamItem></ExamItems>")
    exam = "".join([
        _el("HospitalName", r.hospital.name[:48], r.code), _el("ApplyNo", r.apply_no),
        _el("OutRegNo", f"GH{e.apply_no[-8:]}" if outpatient else ""), _el("ExamClass", r.exam_class),
        _el("PriorityOrder", "急诊" if e.patient_class == "emergency" else "普通"), item,
        f"<ExamOrgan>{_el('Organ', r.organ)}</ExamOrgan>",
        _el("PerformDept", e.exam_dept[:20], "0009"), _el("ReqHospital", r.hospital.name[:48], r.code),
        _el("ReqDept", e.apply_dept[:30], e.billing_doctor.code[-4:]),
        _el("ReqPhysician", e.billing_doctor.name, e.billing_doctor.code),
        _el("ScheduledTime", f"{e.exam_time:{_TIME}}"), _el("ReqTime", f"{e.apply_time:{_TIME}}"),
        _el("ClinSymp", e.symptom_desc[:600]), _el("ClinDiag", e.clinical_diag[:600]), _el("Charge", "276.45"),
        _el("Cost", "276.45"), _el("ChargeFlag", "1"), _el("Reserve1", e.study_uid),
    ])
    return (f'<?xml version="1.0" encoding="UTF-8"?><XmlDocument><Header>{header}</Header><Patient>{patient}</Patient>'
            f"<Exam>{exam}</Exam></XmlDocument>")


def _pinyin(name: str) -> str:
    """A stand-in for the name's pinyin (the generator has no pinyin table): stable ASCII letters."""
    return "".join("abcdefghijklmnopqrstuvwxyz"[ord(c) % 26] for c in name)[:20]


# -- exam/push (004 §3.2.3.1) ---------------------------------------------------------------------

def push_body(r: RegionalExam, *, exam_status: str = "70") -> dict[str, Any]:
    """The body the third-party PACS pushes once the report is confirmed."""
    e, p = r.exam, r.exam.patient
    source = SOURCES[e.patient_class]
    report = {"reportNo": e.report_no, "description": e.findings[:2000], "impression": e.conclusion[:1000],
              "recommendation": e.advice[:512], "abNormalFlag": "1" if e.exam_rslt_code == "2" else "0",
              "reporter": e.report_doctor.name, "reportTime": f"{e.report_time:{_TIME}}",
              "affirmReporter": e.audit_doctor.name, "affirmTime": f"{e.audit_time:{_TIME}}",
              "category": [{"caType": "ICD-10", "caCode": e.disecode[:32], "caName": e.clinical_diag[:128]}]}
    body: dict[str, Any] = {
        "examNo": r.exam_no, "hospitalCode": r.code,
        "patientInfo": {"sickId": e.patient.patient_id, "cardNo": r.card_no, "miCard": p.certno, "patientSource": source,
                        "inpatientNo": p.ipt_no if e.patient_class == "inpatient" else None,
                        "outPatientNo": None if e.patient_class == "inpatient" else f"MZ{p.patient_id}",
                        "name": p.name, "sex": r.sex, "age": r.age, "birthDate": f"{p.birth:%Y-%m-%d}",
                        "address": p.address[:256], "phoneNumber": p.phone, "nationality": "中国",
                        "identity": [{"idType": "1", "idName": "居民身份证", "idNumber": p.certno}]},
        "examInfo": {"applyNo": r.apply_no[len(r.code) + 1:], "patientID": p.patient_id, "examStatus": exam_status,
                     "examTime": f"{e.exam_time:{_TIME}}", "examClass": r.exam_class, "examSubClass": r.organ,
                     "examItemList": [{"itemCode": e.item.code, "itemName": e.item.name, "orderNo": e.apply_no[-8:]}],
                     "examOrganList": [{"organName": r.organ}], "device": e.device.name[:128],
                     "performDeptCode": "0009", "performDeptName": e.exam_dept[:64],
                     "technicanCode": e.technician.code, "technicanName": e.technician.name,
                     "reqHospitalCode": r.code, "reqHospitalName": r.hospital.name[:64],
                     "reqDeptName": e.apply_dept[:64], "reqPhysicianCode": e.billing_doctor.code,
                     "reqPhysicianName": e.billing_doctor.name, "reqTime": f"{e.apply_time:{_TIME}}",
                     "clinSymp": e.symptom_desc[:512], "clinDiag": e.clinical_diag[:512], "chargeFlag": "1"},
        "reportList": [report] if exam_status == "70" else [],
        "imageList": [{"imageType": "DICOM", "modality": MODALITY.get(e.modality, e.modality),
                       "patientID": p.patient_id, "studyUID": e.study_uid, "accessionNo": e.accession_no}],
    }
    body["patientInfo"] = {k: v for k, v in body["patientInfo"].items() if v is not None}
    return body


def statistics_item(r: RegionalExam, count: int = 1) -> dict[str, Any]:
    """One exam/uploadStatistics item for the exam's hospital, day and class."""
    return {"hospitalCode": r.code, "examDate": f"{r.exam.exam_time:%Y-%m-%d}", "examClass": r.exam_class,
            "accordCount": count}


# -- the primary-care platform (004 §3.1.3.1) --------------------------------------------------------

def jiwei_form(r: RegionalExam) -> dict[str, Any]:
    """The apply form as 基卫 serves it (返回出参)."""
    e, p = r.exam, r.exam.patient
    inpatient = e.patient_class == "inpatient"
    return {"applycode": r.apply_no, "fkey": p.patient_id, "repcode": "", "medicarecode": r.card_no,
            "cliniccode": p.ipt_no if inpatient else f"MZ{p.patient_id}", "patname": p.name, "gender": r.sex,
            "birthday": f"{p.birth:%Y-%m-%d}", "patage": r.age, "address": p.address, "tel": p.phone, "idcard": p.certno,
            "applydoccode": e.billing_doctor.code, "applydocname": e.billing_doctor.name, "applydepartmentcode": "",
            "applydepartment": e.apply_dept, "clincdiagnose": e.clinical_diag, "checkprojectcode": e.item.code,
            "checkproject": e.item.name, "applydate": f"{e.apply_time:{_TIME}}", "checkdepartmentcode": "0009",
            "checkdepartment": e.exam_dept, "regstate": "已登记", "exedate": f"{e.exam_time:{_TIME}}",
            "yyid00": r.code, "businesstype": "2" if inpatient else "1", "type": "2"}


def jiwei_query(r: RegionalExam) -> dict[str, Any]:
    """The business JSON of the query for the exam's patient (before encryption)."""
    return {"medicarecode": r.card_no, "yyid00": r.code, "businesstype": "2" if r.exam.patient_class == "inpatient" else "1",
            "type": "2"}


def now_text(now: datetime) -> str:
    return f"{now:{_TIME}}"
