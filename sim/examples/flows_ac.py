"""Examples of flows A and C (seeds 000, 002, 003): the national index, the imaging centre, the
provincial cloud, the hospital's files and WADO, and the sandbox's controls of them."""
from __future__ import annotations

from datetime import timedelta

from reference.crypto import sm2
from reference.families.province_cloud.film import info_for
from reference.national.request import envelope
from sim.demo import as_generator_institution, centre_for, demo_index_rows
from sim.fakedata.exams import make_exam

from .context import TIME, Context, Example

#: The example row of saveExamRpotImgIndx comes from its own sequence, apart from the demo world's.
ROW_SEED_OFFSET = 7919
#: The exam the hospitalUpload example generates (and centreDelete deletes): index in the first hospital's sequence.
UPLOAD_INDEX = 8000


def nhsa_index(ctx: Context) -> dict[str, Example]:
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


def imaging_centre(ctx: Context) -> dict[str, Example]:
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


def province_cloud(ctx: Context) -> dict[str, Example]:
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


def hospital(ctx: Context) -> dict[str, Example]:
    out: dict[str, Example] = {}
    if ctx.hospital_file is not None:
        f = ctx.hospital_file
        out["getFile"] = Example(params={"hospitalCode": f.hospital_code, "fileName": f"{f.sha256}.{f.ext}"})
    if ctx.pacs is not None:
        p = ctx.pacs
        out["wado"] = Example(params={"hospitalCode": p.hospital_code, "requestType": "WADO", "studyUID": p.study_uid,
                                      "seriesUID": p.series_uid, "objectUID": p.sop_uid, "contentType": "application/dicom"})
    return out


def sandbox_ac(ctx: Context) -> dict[str, Example]:
    out: dict[str, Example] = {
        "exchanges": Example(params={"limit": 5}),
        "tourLessonPage": Example(params={"lesson": "flow-a", "trainee": "swagger"},
                                  note="begins the flow-A lesson for the trainee 'swagger' on first view"),
        "tourStart": Example(body={"trainee": "swagger", "lesson": "flow-a"}),
        "tourProgress": Example(params={"trainee": "swagger", "lesson": "flow-a"}),
    }
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
