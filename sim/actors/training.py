"""The trainee's own data for a lesson (the actor ``training.prepare``, issue 14): an exam of their
own, deterministic in the seed and their name, kept where the lesson's requests will find it —
the hospital's files and PACS — so that what the trainee sends carries data no one else sends, and
the training engine can tell their attempts apart (``reference/training/engine.py``).

Kinds (a lesson's ``prepare: {kind: …}``):

- ``flow-a``: a generated exam at the lesson's hospital, its report PDF and DICOM zip published by
  the hospital, and its ``saveExamRpotImgInfo`` row (``exam_row``);
- ``cloud``: a generated exam for the provincial cloud (003): the ``savePatientExam`` body
  (``cloud_body``, ``idCardNo`` left as the shell variable to encrypt into), one DICOM instance and
  the PDF published by the hospital (``dicom_url``, ``pdf_url``);
- ``index-rows``: a ``saveExamRpotImgIndx`` row stored by the lesson's centre (``index_row``);
- ``pacs``: a generated study put in the hospital's PACS (``patientId``, ``studyUid``);
- ``gateway``: an exam at the gateway's hospital (its PACS, its report database) that the gateway
  collected and uploaded (flow B: ``examNo``, ``accession``, the patient's ``certno``), and the
  other hospital where the trainee's doctor logs in (``other_hospital``, ``his_user``);
- ``regional``: an exam at the lesson's hospital for the regional platform (flow D, SOAP): its
  SynApplyInfo envelopes (``apply_envelope``, ``apply_delete_envelope``), push body, one DICOM
  instance published by the hospital (``dicom_url``), its apply form held by 基卫 and the AES
  query (``jiwei_query``) under the hospital's key.
"""
from __future__ import annotations

import hashlib
from typing import Any

from reference.parties import base_url
from reference.sandbox import Sandbox
from sim.demo import as_generator_institution, centre_for, demo_index_rows
from sim.fakedata.exams import make_exam
from sim.synth import make_study

#: Trainees' exams are far from the demo world's (9000…) and ``imgcloud hospital upload``'s (0…).
BASE = 100_000
SPAN = 800_000


def trainee_index(trainee: str, lesson: str) -> int:
    digest = hashlib.sha256(f"{lesson}|{trainee}".encode()).digest()
    return BASE + int.from_bytes(digest[:6], "big") % SPAN


def prepare(sandbox: Sandbox, *, trainee: str, lesson: str, values: dict[str, Any], kind: str,
            **options: Any) -> dict[str, Any]:
    index = trainee_index(trainee, lesson)
    if kind == "flow-a":
        return _flow_a(sandbox, values, index)
    if kind == "cloud":
        return _cloud(sandbox, values, index, **options)
    if kind == "index-rows":
        return _index_rows(sandbox, values, index)
    if kind == "pacs":
        return _pacs(sandbox, values, index)
    if kind == "gateway":
        return _gateway(sandbox, index)
    if kind == "regional":
        return _regional(sandbox, values, index)
    raise ValueError(f"no preparation {kind!r}")


def _hospital(sandbox: Sandbox, values: dict[str, Any]) -> Any:
    code = values.get("hospital") or next(i.code for i in sandbox.config.institutions if i.kind == "hospital")
    inst = sandbox.config.institution(code)
    assert inst is not None
    return inst


def _exam(sandbox: Sandbox, hospital: Any, index: int) -> Any:
    config = sandbox.config
    return make_exam(config.seed, index, hospitals=[as_generator_institution(config, hospital)],
                     centre=as_generator_institution(config, centre_for(config, None)), on=sandbox.now().date())


def _flow_a(sandbox: Sandbox, values: dict[str, Any], index: int) -> dict[str, Any]:
    from .hospital import prepare_exam

    hospital = _hospital(sandbox, values)
    prepared = prepare_exam(sandbox, hospital, _exam(sandbox, hospital, index), seed=sandbox.config.seed, form="zip",
                            max_per_series=2)
    first = prepared.instances[0]
    return {"exam_row": prepared.row, "hiImgIndx": prepared.exam.hi_img_indx, "accession": prepared.exam.accession_no,
            "studyUid": prepared.exam.study_uid, "seriesUid": first["seriesUid"], "sopUid": first["sopUid"],
            "patientName": prepared.exam.patient.name, "images": len(prepared.instances)}


def _cloud(sandbox: Sandbox, values: dict[str, Any], index: int, cipher_var: str = "ID_CIPHER") -> dict[str, Any]:
    from reference.families.hospital.files import publish
    from reference.families.province_cloud.service import exam_id_for

    from .province_cloud import make_cloud_exam

    hospital = _hospital(sandbox, values)
    exam = make_cloud_exam(sandbox.config, hospital.code, index=index, now=sandbox.now())
    first = exam.instances[0]
    base = f"{base_url(sandbox.config, 'hospital')}/hospital/{hospital.code}/files"
    with sandbox.db.session() as session:
        dicom = publish(sandbox, session, hospital.code, first.data, "dcm")
        pdf = publish(sandbox, session, hospital.code, exam.pdf, "pdf")
    return {"cloud_body": {**exam.body, "idCardNo": f"${cipher_var}"}, "idCardNo": exam.id_card,
            "accessNumber": exam.access, "examId": exam_id_for(hospital.code, exam.access),
            "studyUid": first.study_uid, "seriesUid": first.series_uid, "sopUid": first.sop_instance_uid,
            "patientName": exam.body["patientName"],
            "examProjectCode": exam.body["examProjectCode"], "examProjectName": exam.body["examProjectName"],
            "dicom_url": f"{base}/{dicom}.dcm", "pdf_url": f"{base}/{pdf}.pdf"}


def _index_rows(sandbox: Sandbox, values: dict[str, Any], index: int) -> dict[str, Any]:
    _, rows = demo_index_rows(sandbox.config, 1, on=sandbox.now().date(), seed=index, centre=values.get("centre"))
    return {"index_row": rows[0], "hiImgIndx": rows[0]["hiImgIndx"], "patientName": rows[0]["psnName"]}


def _pacs(sandbox: Sandbox, values: dict[str, Any], index: int) -> dict[str, Any]:
    from .hospital import keep_in_pacs

    hospital = _hospital(sandbox, values)
    exam = _exam(sandbox, hospital, index)
    instances = make_study(exam, seed=sandbox.config.seed, charset=hospital.dicom_charset, max_per_series=2)
    keep_in_pacs(sandbox, exam, instances, hospital.code)
    return {"hospital": hospital.code, "patientId": exam.patient.patient_id, "studyUid": exam.study_uid,
            "accession": exam.accession_no, "patientName": exam.patient.name, "modality": exam.modality,
            "images": len(instances)}


def _gateway(sandbox: Sandbox, index: int) -> dict[str, Any]:
    from reference.families.gateway.collect import collect
    from reference.families.gateway.reports import ReportQuery

    from .hospital_pacs import examine

    hospital = sandbox.config.parties["gateway"].collection.hospital
    happened = examine(sandbox, hospital=hospital, count=1, start=index, instances_per_series=1)[0]
    collect(sandbox, ReportQuery(hospital, exam_no=str(happened["examNo"])), source="http", images="move")
    other = next((i.code for i in sandbox.config.institutions if i.kind == "hospital" and i.code != hospital), hospital)
    return {"gw_hospital": hospital, "other_hospital": other, "his_user": f"T{index}", "examNo": happened["examNo"],
            "accession": happened["accessionNo"], "modality": happened["modality"], "patientName": happened["psnName"],
            "certno": happened["certno"], "hiImgIndx": happened["hiImgIndx"]}


def _soap_envelope(sandbox: Sandbox, document: str) -> str:
    """SynApplyInfo's SOAP 1.1 request as a trainee writes it: the apply document escaped in ``<req>``."""
    from xml.sax.saxutils import escape

    from reference.transports.soap import wsdl

    namespace = sandbox.config.parties["regional_platform"].soap_namespace or wsdl.load("soap/syninfo.wsdl").namespace
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\n'
            f'  <soap:Body>\n    <ns:SynApplyInfo xmlns:ns="{namespace}">\n'
            f"      <req>{escape(document)}</req>\n"
            "    </ns:SynApplyInfo>\n  </soap:Body>\n</soap:Envelope>")


def _regional(sandbox: Sandbox, values: dict[str, Any], index: int) -> dict[str, Any]:
    import json

    from reference.crypto import aes
    from reference.families.hospital.files import publish
    from reference.families.jiwei import service as jiwei
    from reference.regional import identity
    from sim.fakedata.regional import apply_document, jiwei_form, jiwei_query, push_body, regional_exam

    hospital = _hospital(sandbox, values)
    config = sandbox.config
    r = regional_exam(config, hospital.code, index=index, on=sandbox.now().date())
    first = make_study(r.exam, seed=config.seed, instances_per_series=1)[0]
    with sandbox.db.session() as session:
        dicom = publish(sandbox, session, hospital.code, first.data, "dcm")
    code = identity.regional_code(hospital)
    jiwei.store(sandbox, [{**jiwei_form(r), "yyid00": code}])
    query = json.dumps(jiwei_query(r), ensure_ascii=False)
    param = aes.encrypt(query, identity.jiwei_key(config, hospital))
    archive = config.parties["regional_platform"]
    return {"apply_envelope": _soap_envelope(sandbox, apply_document(config, r)),
            "apply_delete_envelope": _soap_envelope(sandbox, apply_document(config, r, action="DELETE")),
            "apply_no": r.apply_no, "exam_no": r.exam_no, "study_uid": r.exam.study_uid, "push_body": push_body(r),
            "project": archive.project, "org_id": code, "jiwei_query": query, "jiwei_param": param,
            "jiwei_key": identity.jiwei_key(config, hospital), "patientName": r.exam.patient.name,
            "dicom_url": f"{base_url(config, 'hospital')}/hospital/{hospital.code}/files/{dicom}.dcm",
            "archive_ae": archive.ae_title or "CLOUD_ARCHIVE", "archive_host": archive.host or config.listen.host,
            "archive_port": archive.port or 11113, "store_ae": config.parties["hospital"].ae_title or "HOSP_PACS"}
