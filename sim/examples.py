"""Swagger "Try it out" examples that work (issue 14): for every operation of a family, a valid
request built when the docs are fetched, from the credentials the sandbox issued and the data
it holds now (the demo world's exams, files, instances, a live token).  The seeds' samples stay
as named extra examples after it.  Lent to the sandbox as the actor ``docs.examples``
(``reference/transports/http/docs.py`` asks for it by name).

Operations that delete act on what the matching creation example creates (the
``deleteExamRpotImgIndx`` example withdraws the row the ``saveExamRpotImgIndx`` example saves,
``centreDelete`` the exam ``hospitalUpload`` generates), so that trying the examples in the
page's order leaves the demo world as it was.  A multipart upload's file cannot be an example:
``x-imgcloud-example-files`` names where to download it (the hospital's WADO-URI or the film PDF).
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import select

from reference.config import InstitutionConfig
from reference.crypto import sm2
from reference.families import METHODS
from reference.families.province_cloud import tokens
from reference.families.province_cloud.film import info_for
from reference.national.request import envelope
from reference.sandbox import Sandbox
from reference.storage.models import (
    CentreExam,
    CentreInstance,
    HospitalFile,
    IndexRecord,
    PacsInstance,
    ProvinceExam,
    ProvinceInstance,
    ProvinceToken,
)
from sim.demo import as_generator_institution, centre_for, demo_index_rows
from sim.fakedata.exams import make_exam

#: The actor's name (``reference.transports.http.docs.EXAMPLES``).
NAME = "docs.examples"
#: The example row of saveExamRpotImgIndx comes from its own sequence, apart from the demo world's.
ROW_SEED_OFFSET = 7919
#: The exam the hospitalUpload example generates (and centreDelete deletes): index in the first hospital's sequence.
UPLOAD_INDEX = 8000
TIME = "%Y-%m-%d %H:%M:%S"


@dataclass
class Example:
    """What one operation's example holds."""

    body: Any = None  # the JSON request body
    params: dict[str, Any] = field(default_factory=dict)  # path, query and header parameters by name
    form: dict[str, str] | None = None  # multipart text fields
    files: dict[str, str] = field(default_factory=dict)  # multipart file fields -> where to download them
    named: dict[str, Any] = field(default_factory=dict)  # more valid bodies, by name
    note: str = ""


class Context:
    """The sandbox's current data, looked up once per docs request."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox, self.config = sandbox, sandbox.config
        self.now = sandbox.now().replace(microsecond=0)
        self.base = self.config.public_url

    def kind(self, kind: str) -> InstitutionConfig | None:
        """The first configured institution of ``kind``."""
        return next((i for i in self.config.institutions if i.kind == kind), None)

    @cached_property
    def centre_exam(self) -> tuple[CentreExam, CentreInstance] | None:
        """The oldest exam a configured hospital uploaded that the centre holds, and its first image."""
        hospitals = [i.code for i in self.config.institutions if i.kind == "hospital"]
        with self.sandbox.db.reading() as session:
            for exam in session.scalars(select(CentreExam).where(CentreExam.deleted_at.is_(None),
                                                                 CentreExam.hospital_code.in_(hospitals))
                                        .order_by(CentreExam.id)):
                inst = session.scalars(select(CentreInstance).where(CentreInstance.exam_id == exam.id)
                                       .order_by(CentreInstance.series_number, CentreInstance.instance_number)).first()
                if inst is not None:
                    return exam, inst
        return None

    @cached_property
    def index(self) -> IndexRecord | None:
        with self.sandbox.db.reading() as session:
            return session.scalars(select(IndexRecord).where(IndexRecord.deleted_at.is_(None),
                                                             IndexRecord.pull_status == "pulled")
                                   .order_by(IndexRecord.created_at)).first()

    @cached_property
    def cloud_exam(self) -> tuple[ProvinceExam, ProvinceInstance] | None:
        """The oldest exam a hospital uploaded to the provincial cloud with its images, and its first image."""
        with self.sandbox.db.reading() as session:
            for exam in session.scalars(select(ProvinceExam).where(ProvinceExam.id_card_no.is_not(None))
                                        .order_by(ProvinceExam.id)):
                inst = session.scalars(select(ProvinceInstance).where(ProvinceInstance.exam_pk == exam.id)
                                       .order_by(ProvinceInstance.id)).first()
                known = self.config.institution(exam.hospital_code)
                if inst is not None and known is not None and known.kind == "hospital":
                    return exam, inst
        return None

    def token(self, uid: str) -> str | None:
        """A live token of ``uid`` (at least 10 minutes left), issued now when it holds none."""
        with self.sandbox.db.reading() as session:
            live = session.scalars(select(ProvinceToken.token).where(
                ProvinceToken.uid == uid, ProvinceToken.expires_at > self.sandbox.now() + timedelta(minutes=10))
                .order_by(ProvinceToken.expires_at.desc())).first()
        if live:
            return str(live)
        inst = self.config.institution(uid)
        if inst is None:
            return None
        token, _ = tokens.issue(self.sandbox, uid, self.config.secret_for(inst))
        return token

    @cached_property
    def hospital_file(self) -> HospitalFile | None:
        with self.sandbox.db.reading() as session:
            return session.scalars(select(HospitalFile).where(HospitalFile.ext == "pdf")
                                   .order_by(HospitalFile.created_at)).first()

    @cached_property
    def pacs(self) -> PacsInstance | None:
        with self.sandbox.db.reading() as session:
            return session.scalars(select(PacsInstance).order_by(PacsInstance.id)).first()

    def wado(self, hospital: str, study: str, series: str, sop: str) -> str:
        return (f"{self.base}/hospital/{hospital}/wado?requestType=WADO&studyUID={study}&seriesUID={series}"
                f"&objectUID={sop}&contentType=application/dicom")


# -- per family ---------------------------------------------------------------------------------

def _nhsa_index(ctx: Context) -> dict[str, Example]:
    centre = ctx.kind("imaging_centre")
    if centre is None:
        return {}
    inst, rows = demo_index_rows(ctx.config, 1, on=ctx.now.date(), seed=ctx.config.seed + ROW_SEED_OFFSET,
                                 centre=centre.code)
    save = envelope(ctx.config, inst, "saveExamRpotImgIndx", rows, now=ctx.now, sequence=1)
    delete = envelope(ctx.config, inst, "deleteExamRpotImgIndx", [rows[0]["hiImgIndx"]], now=ctx.now, sequence=2)
    return {"saveExamRpotImgIndx": Example(body=save, note=f"a generated row stored by {inst.code}"),
            "deleteExamRpotImgIndx": Example(body=delete, note="withdraws the row the saveExamRpotImgIndx example saves: "
                                                             "send that one first")}


def _imaging_centre(ctx: Context) -> dict[str, Example]:
    found = ctx.centre_exam
    if found is None:
        return {}
    exam, inst = found
    hospital = ctx.config.institution(exam.hospital_code)
    assert hospital is not None
    upload = envelope(ctx.config, hospital, "saveExamRpotImgInfo", [exam.row], now=ctx.now, sequence=3, node="data")
    where = {"centreCode": exam.centre_code, "accession": exam.accession}
    listing = {"hiImgIndx": exam.hi_img_indx, "serviceName": "queryImgCaheFileSn"}
    image = {"hiImgIndx": exam.hi_img_indx, "serviceName": "queryImgCahe",
             "imgFileSn": {"examUuid": inst.study_uid, "snUuid": inst.series_uid, "instUuid": inst.sop_uid}}
    return {
        "saveExamRpotImgInfo": Example(body=upload, note=f"{hospital.code} uploads exam {exam.accession} again "
                                                         "(the centre fetches its PDF and DICOM from the hospital's URLs)"),
        "imgDld": Example(body=listing, params={"centreCode": exam.centre_code}, named={"queryImgCahe": image},
                          note="queryImgCaheFileSn lists the images; the second example fetches one (queryImgCahe)"),
        "reportPage": Example(params=where), "reportPdf": Example(params=where), "imagePage": Example(params=where),
        "imagePng": Example(params={**where, "sopUid": inst.sop_uid, "size": 256}),
    }


def _province_cloud(ctx: Context) -> dict[str, Example]:
    out: dict[str, Example] = {}
    found = ctx.cloud_exam
    hospital = ctx.config.institution(found[0].hospital_code) if found else ctx.kind("hospital")
    if hospital is None:
        return out
    out["getToken"] = Example(body={"uid": hospital.code, "appSecret": ctx.config.secret_for(hospital)})
    if found is None:
        return out
    exam, inst = found
    token = ctx.token(hospital.code)
    header = {"X-Token": token} if token else {}
    key = sm2.issued_key(ctx.config).public_key
    body = {**exam.row, "idCardNo": sm2.encrypt(str(exam.id_card_no), key)}
    when = ctx.now.strftime(TIME)
    doctor = {"queryDocName": "黄医生", "queryDocCode": "10101"}
    info = info_for(ctx.sandbox, exam.exam_id)
    film_pdf = f"{ctx.base}/film/pdf?Info={info}"
    out.update({
        "savePatientExam": Example(body=body, params=header, note=f"{hospital.code} saves exam {exam.access_number} "
                                                                  "again (idCardNo encrypted now with the cloud's SM2 key)"),
        "uploadDicom": Example(params=header, form={"hospitalCode": exam.hospital_code, "accessNumber": exam.access_number,
                                                    "studyUid": inst.study_uid, "seriesUid": inst.series_uid,
                                                    "instanceUid": inst.sop_uid},
                               files={"dicomFile": ctx.wado(exam.hospital_code, inst.study_uid, inst.series_uid,
                                                            inst.sop_uid)},
                               note="attach as dicomFile the instance from the hospital's WADO-URI (x-imgcloud-example-files)"),
        "saveExamPdf": Example(params=header, form={"hospitalCode": exam.hospital_code, "accessNumber": exam.access_number},
                               files={"examPdf": film_pdf},
                               note="attach as examPdf the exam's report PDF (x-imgcloud-example-files)"),
        "projectContrast": Example(params=header, body={"hospitalCode": exam.hospital_code, "projects": [{
            "projectItemName": str(exam.row.get("examProjectName") or "")[:100], "projectItemCode": exam.exam_project_code,
            "type": "3", "sampleTypeCode": "1", "standardProjectList": [
                {"standardProjectCode": f"STD-{exam.exam_project_code}"[:20],
                 "standardProjectName": str(exam.row.get("examProjectName") or "")[:20]}]}]}),
        "getdigitalImageUrl": Example(params=header, body={"examId": exam.exam_id}),
        "queryFormerlyExam": Example(params=header, body={
            "searchType": "1", "idCardNo": sm2.encrypt(str(exam.id_card_no), key), "patientName": exam.patient_name,
            **doctor, "queryDeptName": "放射科", "queryDeptCode": "0301", "mac": "00-1B-44-11-3A-B7",
            "checkStartTime": (ctx.now - timedelta(days=30)).strftime(TIME), "checkEndTime": when}),
        "queryExamPdfData": Example(params=header, body={"accessNumber": exam.access_number, **doctor,
                                                         "hospitalCode": exam.hospital_code}),
        "saveReminderCallRecord": Example(params=header, body={
            "examId": exam.exam_id, **doctor, "retrivalTime": when, "retrivaType": "1", "searchType": "1",
            "mac": "00-1B-44-11-3A-B7"}),
        "saveRecognExamRecord": Example(params=header, body={
            "examId": exam.exam_id, "queryDocCode": doctor["queryDocCode"], "retrivalTime": when, "recognFlag": "1",
            "quoteFlag": "0", "mac": "00-1B-44-11-3A-B7"}),
        "filmPage": Example(params={"Info": info}), "filmPdf": Example(params={"Info": info}),
        "filmImage": Example(params={"Info": info, "sop": inst.sop_uid, "size": 256}),
    })
    return out


def _hospital(ctx: Context) -> dict[str, Example]:
    out: dict[str, Example] = {}
    if ctx.hospital_file is not None:
        f = ctx.hospital_file
        out["getFile"] = Example(params={"hospitalCode": f.hospital_code, "fileName": f"{f.sha256}.{f.ext}"})
    if ctx.pacs is not None:
        p = ctx.pacs
        out["wado"] = Example(params={"hospitalCode": p.hospital_code, "requestType": "WADO", "studyUID": p.study_uid,
                                      "seriesUID": p.series_uid, "objectUID": p.sop_uid, "contentType": "application/dicom"})
    return out


def _sandbox(ctx: Context) -> dict[str, Example]:
    out: dict[str, Example] = {
        "exchanges": Example(params={"limit": 5}),
        "tourLessonPage": Example(params={"lesson": "flow-a", "trainee": "swagger"},
                                  note="begins the flow-A lesson for the trainee 'swagger' on first view"),
        "tourStart": Example(body={"trainee": "swagger", "lesson": "flow-a"}),
        "tourProgress": Example(params={"trainee": "swagger", "lesson": "flow-a"}),
    }
    out.update(_console(ctx))
    centre = ctx.kind("imaging_centre")
    hospital = ctx.kind("hospital")
    if centre is None or hospital is None:
        return out
    out["centreExams"] = Example(params={"centreCode": centre.code, "limit": 20})
    out["provinceIndexes"] = Example(params={"limit": 20})
    out["provinceCloudExams"] = Example(params={"limit": 20})
    upload = make_exam(ctx.config.seed, UPLOAD_INDEX, hospitals=[as_generator_institution(ctx.config, hospital)],
                       centre=as_generator_institution(ctx.config, centre_for(ctx.config, centre.code)), on=ctx.now.date())
    out["hospitalUpload"] = Example(body={"hospital": hospital.code, "centre": centre.code, "count": 1,
                                          "start": UPLOAD_INDEX, "dicomForm": "zip"},
                                    note=f"generates exam {UPLOAD_INDEX} of the seed (hiImgIndx {upload.hi_img_indx})")
    out["centreDelete"] = Example(body={"centreCode": centre.code, "hiImgIndx": upload.hi_img_indx},
                                  note="deletes the exam the hospitalUpload example uploads: send that one first")
    if ctx.index is not None:
        out["provincePull"] = Example(body={"hiImgIndx": ctx.index.hi_img_indx})
        out["provinceIndexState"] = Example(params={"hiImgIndx": ctx.index.hi_img_indx})
    if ctx.centre_exam is not None:
        exam, _ = ctx.centre_exam
        out["centreExamState"] = Example(params={"centreCode": exam.centre_code, "hiImgIndx": exam.hi_img_indx})
    return out


def _console(ctx: Context) -> dict[str, Example]:
    """The console's operations (issue 13): the newest exchange; a party set back to its configuration;
    a fault scoped to a calling AE no one else uses (SWAGGER), then that tenant's reset."""
    out = {
        "setParty": Example(params={"party": "province_cloud"}, body={"mode": "configured"},
                            note="sets the provincial cloud back to the configuration file's mode"),
        "addFault": Example(body={"party": "hospital", "operation": "C-FIND", "kind": "status", "status": 0xA700,
                                  "institution": "SWAGGER"},
                            note="C-FIND answers 0xA700 (out of resources) to the calling AE SWAGGER only"),
        "resetTenant": Example(params={"code": "SWAGGER"}, note="forgets the tenant SWAGGER (the addFault example's)"),
    }
    newest = ctx.sandbox.exchanges.query(limit=1, bodies=False)
    if newest:
        out["consoleExchange"] = Example(params={"uid": newest[0]["uid"]})
        out["exchangeBody"] = Example(params={"uid": newest[0]["uid"], "part": "request"})
    return out


BUILDERS: dict[str, Callable[[Context], dict[str, Example]]] = {
    "nhsa-index": _nhsa_index, "imaging-centre": _imaging_centre, "province-cloud": _province_cloud,
    "hospital": _hospital, "sandbox": _sandbox,
}


# -- into the spec ------------------------------------------------------------------------------

def with_examples(sandbox: Sandbox, family: str, spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (a copy) with each operation's valid example first (the actor ``docs.examples``)."""
    builder = BUILDERS.get(family)
    if builder is None:
        return spec
    ctx = Context(sandbox)
    examples = builder(ctx)
    spec = copy.deepcopy(spec)
    stamp = f"{ctx.now:%Y-%m-%d %H:%M:%S}"
    for item in spec.get("paths", {}).values():
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict) and op.get("operationId") in examples:
                _inject(op, examples[op["operationId"]], stamp)
    return spec


def _inject(op: dict[str, Any], example: Example, stamp: str) -> None:
    summary = f"有效请求 valid request (built {stamp} from the issued credentials and current data)"
    if example.params:
        op["parameters"] = [dict(p, example=example.params[p["name"]]) if p.get("name") in example.params else p
                            for p in op.get("parameters", [])]
    content = (op.get("requestBody") or {}).get("content") or {}
    if example.body is not None and "application/json" in content:
        media = dict(content["application/json"])
        named = {f"valid-{name}": {"summary": f"{summary}: {name}", "value": value} for name, value in example.named.items()}
        media["examples"] = {"valid": {"summary": summary, "value": example.body}, **named, **media.get("examples", {})}
        media.pop("example", None)
        content["application/json"] = media
    if example.form is not None and "multipart/form-data" in content:
        media = copy.deepcopy(content["multipart/form-data"])
        properties = media.get("schema", {}).get("properties", {})
        for name, value in example.form.items():
            if name in properties:
                properties[name]["example"] = value
        content["multipart/form-data"] = media
    if example.files:
        op["x-imgcloud-example-files"] = example.files
    note = f"\n\n**Try it out**: the example *valid* was built {stamp} from the issued credentials and the data the " \
           f"sandbox holds now{': ' + example.note if example.note else ''}."
    if example.files:
        note += " Files: " + ", ".join(f"`{k}` from {v}" for k, v in example.files.items())
    op["description"] = (op.get("description") or "") + note
