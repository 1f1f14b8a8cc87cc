"""Examples of flows B and D (seeds 001 and 004): the gateway, the hospital's report pull, 基卫,
the regional platform's REST interfaces and the sandbox's controls of them — built, like
``flows_ac``'s, from the issued credentials and the demo world's exams when the docs are fetched
(``sim.demo_world``: flow B's exams at the gateway's hospital, flow D's at the last hospital).

Page order matters as in ``flows_ac``: the ``hrball`` example logs the demo doctor in, so the
reminder examples after it find a session; ``deleteImage`` withdraws the *last* live exam the
gateway collected, never the first one the other examples show.
"""
from __future__ import annotations

import json

from reference.crypto import aes, rsa, sm2
from reference.families.gateway import film_token
from reference.families.regional_archive import tokens as regional_tokens
from reference.regional import identity
from sim.actors.regional import make_sign
from sim.demo_world import DOCTOR, doctor_login
from sim.fakedata.regional import jiwei_query, push_body, statistics_item

from .context import TIME, Context, Example

#: The exam the hospitalExamine example generates: index in the seed's sequence (apart from the demo world's).
EXAMINE_INDEX = 8100


def _encrypted(ctx: Context, plain: str) -> str:
    return sm2.encrypt(plain, sm2.issued_key(ctx.config).public_key)


# -- 001: the hospital's report pull and the gateway --------------------------------------------

def hospital_pacs(ctx: Context) -> dict[str, Example]:
    if not ctx.gateway_exams:
        return {}
    first = ctx.gateway_exams[0]
    today = ctx.now.replace(hour=0, minute=0, second=0)
    return {"getReportInfo": Example(params={"hospitalCode": first.hospital_code}, body={"examNo": first.exam_no},
                                     named={"window": {"startTime": today.strftime(TIME), "endTime": ctx.now.strftime(TIME),
                                                       "type": "4"}},
                                     note=f"the report of exam {first.exam_no} (the gateway collected it); "
                                          "the second example: the reports modified today")}


def gateway(ctx: Context) -> dict[str, Example]:
    exams = ctx.gateway_exams
    if not exams:
        return {}
    first = exams[0]
    other = ctx.other_hospital(first.hospital_code)
    where = {"accessNumber": first.accession, "modality": first.modality or "", "hospitalId": first.hospital_code}
    info = film_token.issue(ctx.config, first.accession, first.hospital_code, now=ctx.sandbox.now())
    certno = str((first.report or {}).get("certno") or "")
    swipe = {"hisUserId": DOCTOR["hisUserId"], "hospitalId": other, "idCardNo": _encrypted(ctx, certno)}
    out = {
        "qrurl": Example(params=where), "qrcode": Example(params=where),
        "scanFilmInfo": Example(params={"info": info}), "scanFilmPdf": Example(params={"info": info}),
        "hrball": Example(params=doctor_login(ctx.sandbox, other),
                          note=f"the demo doctor {DOCTOR['doctorName']} logs in at {other} (doctorIdCardNo encrypted "
                               "now with the imaging cloud's SM2 key); send it before the reminder examples"),
        "swipingIdCardNo": Example(params=swipe, note=f"reminds the doctor of {first.hospital_code}'s exam "
                                                      f"{first.accession} (log in with the hrball example first)"),
        "swipingIdCardNoPost": Example(body=swipe, note="the same reminder as a POST"),
    }
    if (sop := ctx.gateway_sop(first.study_uid)) is not None:
        out["scanFilmImage"] = Example(params={"info": info, "sop": sop, "size": 256})
    if first.pdf_sha256:
        out["getwayFile"] = Example(params={"fileName": f"{first.pdf_sha256}.pdf"})
    if ctx.reminder is not None:
        out["bubblePage"] = Example(params={"id": ctx.reminder})
    if len(exams) > 1:
        last = exams[-1]
        out["deleteImage"] = Example(body={"patientName": last.patient_name or "", "accessionNo": last.accession,
                                           "hospitalId": last.hospital_code, "operateDoctorName": "王医生",
                                           "operateDateTime": ctx.now.strftime(TIME)},
                                     note=f"withdraws exam {last.accession}, the last the gateway collected "
                                          "(the other examples show the first)")
    return out


# -- 004: 基卫 and the regional platform -------------------------------------------------------

def jiwei(ctx: Context) -> dict[str, Example]:
    r = ctx.regional
    if r is None:
        return {}
    key = identity.jiwei_key(ctx.config, r.inst)
    query = jiwei_query(r.generated)
    return {"applyForm": Example(body={"param": aes.encrypt(json.dumps(query, ensure_ascii=False), key)},
                                 note=f"{r.inst.code} asks for {json.dumps(query, ensure_ascii=False)}, AES/ECB "
                                      "under its issued key (imgcloud credentials)")}


def regional_archive(ctx: Context) -> dict[str, Example]:
    r = ctx.regional
    if r is None:
        return {}
    key = rsa.issued_key(ctx.config).public_key()
    header = {"project": ctx.config.parties["regional_platform"].project,
              "token": regional_tokens.issue(ctx.sandbox, r.inst)}
    exam = r.generated.exam
    return {
        "authGetToken": Example(body={"sign": make_sign(ctx.config, r.inst, public_key=key)},
                                note=f"{r.inst.code}'s appId,orgId,license encrypted now with the platform's RSA key"),
        "examPush": Example(params=header, body=push_body(r.generated),
                            note=f"{r.inst.code} pushes exam {r.row.exam_no} again (the token was issued now)"),
        "examUploadStatistics": Example(params=header, body=[statistics_item(r.generated)]),
        "clinicQueryPage": Example(params={"exam_no": f"{r.row.hospital_code}_{r.row.exam_no}"},
                                   note="004 §3.4.3: each parameter is 医院代码_本地值 (hospital code _ local value)"),
        "statisticsPage": Example(params={"hospitalCode": r.row.hospital_code, "examDate": f"{exam.exam_time:%Y-%m-%d}"}),
    }


def sandbox_bd(ctx: Context) -> dict[str, Example]:
    """The sandbox's controls of flows B and D."""
    hospital = ctx.config.parties["gateway"].collection.hospital
    out = {"hospitalExamine": Example(body={"hospital": hospital, "count": 1, "start": EXAMINE_INDEX, "instancesPerSeries": 1},
                                      note=f"exam {EXAMINE_INDEX} of the seed happens at {hospital} (its PACS, its report "
                                           "database); the gateway collects it at its next pull")}
    if ctx.gateway_exams:
        first = ctx.gateway_exams[0]
        out["gatewayPull"] = Example(body={"hospital": first.hospital_code, "examNo": first.exam_no},
                                     note="an exam already collected is not collected again")
        out["gatewayExamState"] = Example(params={"hospitalCode": first.hospital_code, "accessionNo": first.accession})
        certno = str((first.report or {}).get("certno") or "")
        if certno:
            out["provincePatientIndexes"] = Example(body={"certno": certno, "limit": 10})
    r = ctx.regional
    if r is not None:
        out["regionalExamState"] = Example(params={"hospitalCode": r.row.hospital_code, "examNo": r.row.exam_no})
        out["regionalApplyState"] = Example(params={"applyNo": r.row.linked_apply})
        out["regionalExamStatus"] = Example(body={"hospitalCode": r.row.hospital_code, "examNo": r.row.exam_no, "status": "70"},
                                            note="sends 70 (report done) again to the exam's HIS")
        out["regionalPull"] = Example(body={"studyUID": r.generated.exam.study_uid})
        out["hisStatusReceived"] = Example(params={"hospital": r.inst.code, "applyNo": r.row.linked_apply})
        out["jiweiForms"] = Example(body={"hospital": r.inst.code, "count": 2, "start": EXAMINE_INDEX})
    return out
