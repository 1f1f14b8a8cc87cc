"""Flow C against the provincial cloud (seeds/003; INTERFACES.md §3 and flow C).

Three simulated callers, all over HTTP to ``base_url(config, "province_cloud")`` (this
sandbox when simulated, the configured address when external), every call through a
:class:`RecordingClient` (recorded outbound when a sandbox is given):

- :class:`HospitalClient`: getToken, savePatientExam (``idCardNo`` SM2-encrypted with the
  cloud's public key), uploadDicom of a synthetic study, saveExamPdf of the synthetic
  report, projectContrast, getdigitalImageUrl;
- :class:`CityPlatformClient`: the same calls as a city platform (kind ``city_platform``),
  on behalf of a hospital of its city (``hospitalCode`` = that hospital);
- :class:`DoctorClient`: a doctor at a second hospital: queryFormerlyExam (searchType 1
  history and 2 repeat), queryExamPdfData, saveReminderCallRecord, saveRecognExamRecord.

Exams come from ``sim.fakedata`` (deterministic from the seed); :func:`make_cloud_exam`
turns one into 003's savePatientExam body, its study and its report PDF.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Self

import httpx

from reference.config import Config, InstitutionConfig
from reference.crypto import sm2
from reference.parties import base_url, endpoint_path
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.transports.http.client import OURS, RecordingClient
from sim.demo import as_generator_institution, centre_for
from sim.fakedata import Exam
from sim.fakedata.exams import make_exam
from sim.synth import make_report_pdf, make_study

FAMILY = "province-cloud"
PARTY = "province_cloud"
EXCHANGE_HEADER = "x-imgcloud-exchange"
PUBLIC_KEY_PATH = "/_sandbox/province-cloud/sm2-public-key"
_TIME = "%Y-%m-%d %H:%M:%S"
_EXAM_TIMES = ("exam_time", "apply_time", "report_time", "audit_time", "second_audit_time", "publish_time",
               "symptom_begin", "symptom_end")
#: fakedata patient class -> 003 patientType (《就诊类别》 1 门诊, 2 住院, 4 急诊)
PATIENT_TYPES = {"outpatient": "1", "inpatient": "2", "emergency": "4"}


def _cut(text: str | None, n: int) -> str:
    return (text or "")[:n]


def standard_code(item_code: str) -> str:
    """The standard project a generated exam item maps to (sandbox-defined, AN..20)."""
    return f"STD-{item_code}"[:20]


# -- replies ------------------------------------------------------------------------------------

@dataclass
class Reply:
    """One answer of the cloud: HTTP status, the envelope (or the bytes), the exchange uid."""

    status: int
    body: Any
    content: bytes = b""
    content_type: str = ""
    exchange: str | None = None
    #: our own record of the exchange (the caller's outbound record), when one was written
    ours: str | None = None

    @property
    def code(self) -> Any:
        return self.body.get("code") if isinstance(self.body, dict) else (200 if self.status == 200 and self.content else None)

    @property
    def datas(self) -> Any:
        return self.body.get("datas") if isinstance(self.body, dict) else None

    @property
    def msg(self) -> str:
        return str(self.body.get("msg")) if isinstance(self.body, dict) else ""

    @property
    def ok(self) -> bool:
        return self.code == 200

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "code": self.code, "msg": self.msg, "datas": self.datas,
                               "exchange": self.exchange}
        if not isinstance(self.body, dict):
            out.update(contentType=self.content_type, size=len(self.content))
        return out

    @classmethod
    def of(cls, response: httpx.Response) -> Reply:
        ctype = response.headers.get("content-type", "")
        body: Any = None
        if "json" in ctype or (not ctype.startswith("application/pdf") and response.content[:1] in (b"{", b"[")):
            try:
                body = response.json()
            except ValueError:
                body = None
        return cls(status=response.status_code, body=body, content=response.content, content_type=ctype,
                   exchange=response.headers.get(EXCHANGE_HEADER), ours=response.extensions.get(OURS))


def judge(response: httpx.Response) -> list[Finding]:
    """The cloud's answer: ``code`` 200 (or the PDF bytes of queryExamPdfData)."""
    reply = Reply.of(response)
    if reply.ok:
        return []
    return [RULES.finding("SIM-PEER-REJECTED", code=reply.code if reply.code is not None else response.status_code,
                          message=reply.msg or response.text[:200])]


def public_key(config: Config, http: httpx.Client | None = None) -> str:
    """The cloud's SM2 public key: asked of the cloud (``GET /_sandbox/province-cloud/sm2-public-key``);
    when that fails and the cloud is simulated, the key this config's seed issues."""
    if config.parties[PARTY].public_key:  # what an external cloud publishes, configured
        return str(config.parties[PARTY].public_key)
    url = base_url(config, PARTY) + PUBLIC_KEY_PATH
    try:
        client = http or httpx.Client(timeout=10)
        try:
            reply = client.get(url)
        finally:
            if http is None:
                client.close()
        if reply.status_code == 200:
            return str(reply.json()["publicKey"])
    except (httpx.HTTPError, ValueError, KeyError):
        pass
    if config.parties[PARTY].mode == "external":
        raise RuntimeError(f"no SM2 public key at {url}: give it explicitly")
    return sm2.issued_key(config).public_key


# -- generated exams ---------------------------------------------------------------------------

@dataclass
class CloudExam:
    """One generated exam as a hospital uploads it to the cloud."""

    exam: Exam
    body: dict[str, Any]  # savePatientExam, idCardNo in plaintext (encrypted when sent)
    instances: list[Any]
    pdf: bytes
    project: dict[str, Any]  # its projectContrast item

    @property
    def hospital(self) -> str:
        return str(self.body["hospitalCode"])

    @property
    def access(self) -> str:
        return str(self.body["accessNumber"])

    @property
    def id_card(self) -> str:
        return str(self.body["idCardNo"])

    def summary(self) -> dict[str, Any]:
        return {"hospitalCode": self.hospital, "accessNumber": self.access, "patientName": self.body["patientName"],
                "idCardNo": self.id_card, "studyUid": self.body["studyUid"], "checkTime": self.body["checkTime"],
                "examProjectCode": self.body["examProjectCode"], "standardProjectCode": standard_code(self.exam.item.code),
                "instances": len(self.instances), "pdfSize": len(self.pdf)}


def make_cloud_exam(config: Config, hospital: str, *, seed: int | None = None, index: int = 0,
                    now: datetime, instances_per_series: int | None = 1) -> CloudExam:
    """Exam ``index`` of ``seed`` at ``hospital`` (deterministic), its times moved so that the
    exam took place within the last 7 days before ``now`` (queryFormerlyExam's default window)."""
    inst = config.institution(hospital)
    if inst is None:
        raise KeyError(f"{hospital!r} is not a configured institution")
    seed = config.seed if seed is None else seed
    exam = make_exam(seed, index, hospitals=[as_generator_institution(config, inst)],
                     centre=as_generator_institution(config, centre_for(config, None)), on=now.date())
    shift = timedelta(0)
    if exam.exam_time > now - timedelta(hours=1) or exam.exam_time < now - timedelta(days=6):
        # moved by whole days (to two days ago, its time of day kept): every step of a run that
        # rebuilds the exam gets the same times, PDF and DICOM, however long the run takes
        shift = timedelta(days=((now - timedelta(days=2)).date() - exam.exam_time.date()).days)
    if shift:  # the whole exam moves, so that its DICOM (StudyDate …) says what the body says
        exam = replace(exam, **{k: getattr(exam, k) + shift for k in _EXAM_TIMES})
    t = lambda d: f"{d:{_TIME}}"  # noqa: E731
    p = exam.patient
    age = max(int(exam.age), 0)
    body = {
        "hospitalCode": hospital, "patientId": _cut(p.patient_id, 50), "patientName": _cut(p.name, 50),
        "phoneNumber": _cut(p.phone, 11), "idCardNo": p.certno, "accessNumber": exam.accession_no,
        "patientType": PATIENT_TYPES.get(exam.patient_class, "9"), "studyUid": exam.study_uid,
        "patientAge": str(age) if age else "1", "patientAgeUnit": "1" if age else "2",
        "sex": p.gend if p.gend in ("0", "1", "2", "9") else "9", "birthday": f"{p.birth:%Y%m%d}",
        "modality": exam.modality, "checkPart": _cut(exam.body_part, 20), "examProjectCode": exam.item.code,
        "examProjectName": _cut(exam.item.name, 20), "imageDescription": _cut(exam.findings, 100),
        "conclusion": _cut(exam.conclusion, 100), "clinicalDiagnosis": _cut(exam.clinical_diag, 100),
        "reportDocName": _cut(exam.report_doctor.name, 10), "reportDocCode": _cut(exam.report_doctor.code, 10),
        "auditDocName": _cut(exam.audit_doctor.name, 10), "auditDocCode": _cut(exam.audit_doctor.code, 10),
        "applyDeptName": _cut(exam.apply_dept, 20), "regTime": t(exam.apply_time), "checkTime": t(exam.exam_time),
        "reportDateTime": t(exam.report_time), "auditDateTime": t(exam.audit_time),
        "infectionName": "0", "criticalValue": "1" if exam.critical_value not in ("", "0", None) else "0",
        "reportStatus": "7",
    }
    project = {"projectItemName": _cut(exam.item.name, 100), "projectItemCode": exam.item.code, "type": "3",
               "sampleTypeCode": "1",
               "standardProjectList": [{"standardProjectCode": standard_code(exam.item.code),
                                        "standardProjectName": _cut(exam.item.name, 20)}]}
    return CloudExam(exam=exam, body=body, instances=make_study(exam, seed=seed, instances_per_series=instances_per_series),
                     pdf=make_report_pdf(exam), project=project)


# -- the callers -------------------------------------------------------------------------------

class CloudClient:
    """An institution calling the cloud: its token, and one method per operation (seeds/003)."""

    kind = "hospital"

    def __init__(self, config: Config, code: str, *, sandbox: Sandbox | None = None, secret: str | None = None,
                 key: str | None = None, timeout: float = 60.0, transport: httpx.BaseTransport | None = None) -> None:
        inst = config.institution(code)
        if inst is None:
            raise KeyError(f"{code!r} is not a configured institution")
        self.config, self.inst = config, inst
        self.secret = secret if secret is not None else config.secret_for(inst)
        self.base = base_url(config, PARTY)
        self.client = RecordingClient(sandbox, party=inst.kind, family=FAMILY, timeout=timeout, transport=transport)
        self.token: str | None = None
        self._key = key
        self.replies: list[tuple[str, Reply]] = []

    # plumbing
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    @property
    def code(self) -> str:
        return self.inst.code

    @property
    def public_key(self) -> str:
        if self._key is None:
            self._key = public_key(self.config, self.client.http)
        return self._key

    def encrypt(self, plain: str) -> str:
        """``idCardNo`` as 003 wants it: SM2 with the cloud's public key (C1C3C2, hex, 04 prefix)."""
        return sm2.encrypt(plain, self.public_key)

    def url(self, operation: str) -> str:
        return self.base + (endpoint_path(PARTY, operation) or f"/interface/{operation}")

    def _headers(self, token: str | None) -> dict[str, str]:
        tok = token if token is not None else self.token
        return {"X-Token": tok} if tok else {}

    def _keep(self, operation: str, response: httpx.Response) -> Reply:
        reply = Reply.of(response)
        self.replies.append((operation, reply))
        return reply

    def post(self, operation: str, body: Any, *, token: str | None = None) -> Reply:
        response = self.client.request("POST", self.url(operation), operation=operation, institution=self.code,
                                       judge=judge, json=body, headers=self._headers(token))
        return self._keep(operation, response)

    def post_form(self, operation: str, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]],
                  *, token: str | None = None) -> Reply:
        # encoded here, not streamed, so that the recording client can keep the request body
        encoded = httpx.Request("POST", self.url(operation), data=fields, files=files)
        content = encoded.read()
        headers = {"content-type": encoded.headers["content-type"], **self._headers(token)}
        response = self.client.request("POST", self.url(operation), operation=operation, institution=self.code,
                                       judge=judge, content=content, headers=headers)
        return self._keep(operation, response)

    # 权限鉴定接口
    def get_token(self, secret: str | None = None) -> Reply:
        body = {"uid": self.code, "appSecret": self.secret if secret is None else secret}
        reply = self.post("getToken", body, token="")
        if reply.ok and isinstance(reply.datas, dict):
            self.token = reply.datas.get("token")
        return reply

    def ensure_token(self) -> str:
        if not self.token:
            reply = self.get_token()
            if not reply.ok:
                raise RuntimeError(f"getToken for {self.code}: code {reply.code}: {reply.msg}")
        assert self.token is not None
        return self.token

    # hospital side
    def save_patient_exam(self, exam: CloudExam, **override: Any) -> Reply:
        body = {**exam.body, "idCardNo": self.encrypt(exam.id_card), **override}
        return self.post("savePatientExam", body)

    def upload_dicom(self, exam: CloudExam) -> list[Reply]:
        replies = []
        for inst in exam.instances:
            fields = {"hospitalCode": exam.hospital, "accessNumber": exam.access, "studyUid": inst.study_uid,
                      "seriesUid": inst.series_uid, "instanceUid": inst.sop_instance_uid}
            replies.append(self.post_form("uploadDicom", fields,
                                          {"dicomFile": (f"{inst.sop_instance_uid}.dcm", inst.data, "application/dicom")}))
        return replies

    def save_exam_pdf(self, exam: CloudExam) -> Reply:
        return self.post_form("saveExamPdf", {"hospitalCode": exam.hospital, "accessNumber": exam.access},
                              {"examPdf": (f"{exam.access}.pdf", exam.pdf, "application/pdf")})

    def project_contrast(self, projects: list[dict[str, Any]], hospital: str | None = None) -> Reply:
        return self.post("projectContrast", {"hospitalCode": hospital or self.code, "projects": projects})

    def digital_image_url(self, exam_id: str, hospital: str | None = None) -> Reply:
        body = {"examId": exam_id, **({"hospitalCode": hospital} if hospital else {})}
        return self.post("getdigitalImageUrl", body)

    def open_film(self, url: str) -> dict[str, Any]:
        """Open the film page as a browser would, and its first image."""
        page = self.client.get(url, operation="filmPage", institution=self.code)
        images = [html.unescape(s) for s in re.findall(r"<img[^>]*src='([^']+)'", page.text)]
        first: dict[str, Any] = {}
        if images:
            src = images[0] if images[0].startswith("http") else httpx.URL(url).join(images[0])
            img = self.client.get(str(src), operation="filmImage", institution=self.code)
            first = {"imageStatus": img.status_code, "imageType": img.headers.get("content-type"),
                     "png": img.content[:4] == b"\x89PNG"}
        return {"url": url, "status": page.status_code, "images": len(images), "html": len(page.text), **first,
                "text": page.text}

    def upload(self, exam: CloudExam) -> dict[str, Any]:
        """Flow C, hospital side: token, exam (SM2 id), DICOM, PDF, projects, film URL, film page."""
        self.ensure_token()
        saved = self.save_patient_exam(exam)
        out: dict[str, Any] = {"exam": exam.summary(), "savePatientExam": saved.summary(), "examId": saved.datas}
        if not saved.ok:
            return out
        dicom = self.upload_dicom(exam)
        out["uploadDicom"] = {"count": len(dicom), "codes": [r.code for r in dicom],
                              "failed": [r.summary() for r in dicom if not r.ok]}
        out["saveExamPdf"] = self.save_exam_pdf(exam).summary()
        out["projectContrast"] = self.project_contrast([exam.project], exam.hospital).summary()
        film = self.digital_image_url(saved.datas, None if self.inst.kind == "hospital" else exam.hospital)
        out["getdigitalImageUrl"] = film.summary()
        if film.ok:
            opened = self.open_film(str(film.datas))
            text = opened.pop("text")
            opened["hasConclusion"] = html.escape(exam.body["conclusion"]) in text
            opened["hasPatientName"] = html.escape(exam.body["patientName"]) in text
            out["film"] = opened
        return out


class HospitalClient(CloudClient):
    """A hospital (kind ``hospital``) uploading its own exams."""

    kind = "hospital"


class CityPlatformClient(CloudClient):
    """A city platform (kind ``city_platform``) uploading the exams of its city's hospitals."""

    kind = "city_platform"


def first_city_platform(config: Config) -> InstitutionConfig:
    found = next((i for i in config.institutions if i.kind == "city_platform"), None)
    if found is None:
        raise KeyError("the config names no city_platform institution")
    return found


class DoctorClient(CloudClient):
    """A doctor at another hospital: history and repeats, the PDF, the reminder and the decision."""

    def __init__(self, config: Config, code: str, *, doctor: dict[str, str] | None = None, **kw: Any) -> None:
        super().__init__(config, code, **kw)
        self.doctor = {"queryDocName": "黄医生", "queryDocCode": "10101", "queryDeptName": "放射科",
                       "queryDeptCode": "0301", "mac": "00-1B-44-11-3A-B7", **(doctor or {})}

    def query_formerly_exam(self, id_card: str, patient_name: str, *, search_type: str = "1",
                            project: str | None = None, start: str | None = None, end: str | None = None) -> Reply:
        body: dict[str, Any] = {"searchType": search_type, "idCardNo": self.encrypt(id_card), "patientName": patient_name,
                                **self.doctor}
        for key, value in (("examProjectCode", project), ("checkStartTime", start), ("checkEndTime", end)):
            if value:
                body[key] = value
        return self.post("queryFormerlyExam", body)

    def query_exam_pdf(self, access: str, hospital: str | None = None) -> Reply:
        body = {"accessNumber": access, "queryDocName": self.doctor["queryDocName"],
                "queryDocCode": self.doctor["queryDocCode"], **({"hospitalCode": hospital} if hospital else {})}
        return self.post("queryExamPdfData", body)

    def reminder(self, exam_id: str, *, retrieval_type: str = "1", search_type: str | None = "1",
                 when: datetime | None = None) -> Reply:
        body = {"examId": exam_id, "queryDocName": self.doctor["queryDocName"], "queryDocCode": self.doctor["queryDocCode"],
                "retrivalTime": f"{when or datetime.now():{_TIME}}", "retrivaType": retrieval_type, "mac": self.doctor["mac"],
                **({"searchType": search_type} if search_type else {})}
        return self.post("saveReminderCallRecord", body)

    def recognition(self, exam_id: str, *, recognised: bool = True, quoted: bool = False, reason: str | None = None,
                    when: datetime | None = None) -> Reply:
        body = {"examId": exam_id, "queryDocCode": self.doctor["queryDocCode"],
                "retrivalTime": f"{when or datetime.now():{_TIME}}",
                "recognFlag": "1" if recognised else "0", "quoteFlag": "1" if quoted else "0", "mac": self.doctor["mac"],
                **({"reason": reason} if reason else {})}
        return self.post("saveRecognExamRecord", body)

    def review(self, exam: CloudExam, exam_id: str, *, project: str, when: datetime | None = None,
               expected_pdf: bytes | None = None) -> dict[str, Any]:
        """Flow C, the doctor's side: projects, history, repeat, PDF, reminder, recognition."""
        self.ensure_token()
        out: dict[str, Any] = {}
        mapped = dict(exam.project, projectItemCode=project)
        out["projectContrast"] = self.project_contrast([mapped]).summary()
        history = self.query_formerly_exam(exam.id_card, exam.body["patientName"])
        out["history"] = history.summary()
        out["historyIds"] = [i.get("examId") for i in history.datas or []] if history.ok else []
        repeat = self.query_formerly_exam(exam.id_card, exam.body["patientName"], search_type="2", project=project)
        out["repeat"] = repeat.summary()
        out["repeatIds"] = [i.get("examId") for i in repeat.datas or []] if repeat.ok else []
        paths = [p for i in (history.datas or []) if history.ok for p in i.get("imageViewPaths") or []]
        if paths:
            opened = self.open_film(paths[0])
            opened.pop("text")
            out["film"] = opened
        pdf = self.query_exam_pdf(exam.access, exam.hospital)
        out["pdf"] = {"status": pdf.status, "contentType": pdf.content_type, "size": len(pdf.content),
                      "isPdf": pdf.content[:5] == b"%PDF-",
                      **({"identical": pdf.content == expected_pdf} if expected_pdf is not None else {})}
        out["reminder"] = self.reminder(exam_id, when=when).summary()
        out["recognition"] = self.recognition(exam_id, when=when).summary()
        return out


@dataclass
class FlowC:
    """The whole of flow C's result, as one document."""

    hospital: dict[str, Any] = field(default_factory=dict)
    city_platform: dict[str, Any] = field(default_factory=dict)
    doctor: dict[str, Any] = field(default_factory=dict)


def run_flow_c(config: Config, *, hospital: str, doctor_hospital: str, seed: int | None = None, index: int = 0,
               now: datetime, sandbox: Sandbox | None = None, city_platform: str | None = None,
               city_hospital: str | None = None) -> FlowC:
    """A hospital uploads exam ``index``; a city platform (when given) uploads exam ``index + 1``
    for ``city_hospital``; a doctor at ``doctor_hospital`` reviews the first."""
    result = FlowC()
    exam = make_cloud_exam(config, hospital, seed=seed, index=index, now=now)
    with HospitalClient(config, hospital, sandbox=sandbox) as client:
        result.hospital = client.upload(exam)
    if city_platform:
        other = make_cloud_exam(config, city_hospital or doctor_hospital, seed=seed, index=index + 1, now=now)
        with CityPlatformClient(config, city_platform, sandbox=sandbox) as client:
            result.city_platform = client.upload(other)
    with DoctorClient(config, doctor_hospital, sandbox=sandbox) as doctor:
        result.doctor = doctor.review(exam, str(result.hospital.get("examId")), project=f"{exam.exam.item.code}B",
                                      when=now, expected_pdf=exam.pdf)
    return result
