"""The platform's pages: the report list of 004 §3.4.3 (``/clinic/html/query.htm``) and the
statistics reconciliation (sandbox-defined), drawn by the viewer from templates."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from reference.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import DicomStored, RegionalExam
from reference.viewer import render_page

from . import service

#: parameter -> the exam column it matches (004 §3.4.3: pat_local_id, exam_no, sick_id, inpatient_no, outpatient_no)
PARAMETERS = {"pat_local_id": RegionalExam.patient_id, "exam_no": RegionalExam.exam_no, "sick_id": RegionalExam.sick_id,
              "inpatient_no": RegionalExam.inpatient_no, "outpatient_no": RegionalExam.outpatient_no}
STATES = {"complete": "已齐 / complete", "incomplete": "未齐 / incomplete", "missing-statistics": "无统计 / no statistics"}


def _split(name: str, value: str) -> tuple[str, str]:
    code, sep, local = value.partition("_")
    if not sep or not code or not local:
        raise NativeError([RULES.finding("REGIONAL-QUERY-PREFIX", path=name, param=name, value=value,
                                         example=f"0011_{value or 'brid00'}")])
    return code, local


def _exam_view(exam: RegionalExam, archived: int) -> dict[str, Any]:
    info, patient = exam.body.get("examInfo") or {}, exam.body.get("patientInfo") or {}
    items = "、".join(i.get("itemName", "") for i in info.get("examItemList") or [])
    cells = [("医院代码", exam.hospital_code), ("检查流水号", exam.exam_no), ("检查号", exam.patient_id),
             ("院内患者id", exam.sick_id), ("申请单号", exam.apply_no), ("性别", patient.get("sex", "")),
             ("年龄", patient.get("age", "")), ("检查项目", items),
             ("检查状态", info.get("examStatus", "")), ("临床诊断", info.get("clinDiag", ""))]
    return {"examNo": exam.exam_no, "name": exam.patient_name, "examClass": exam.exam_class,
            "examTime": info.get("examTime", ""), "cells": cells, "reports": list(exam.body.get("reportList") or []),
            "archived": archived, "urls": [i["imageUrl"] for i in exam.body.get("imageList") or [] if i.get("imageUrl")]}


def report_list(sandbox: Sandbox, query: dict[str, str]) -> str:
    given = {k: v for k, v in query.items() if k in PARAMETERS and v}
    if not given:
        raise NativeError([RULES.finding("REGIONAL-QUERY-PARAM")])
    stmt = select(RegionalExam)
    for name, value in given.items():
        code, local = _split(name, value)
        stmt = stmt.where(RegionalExam.hospital_code == code, PARAMETERS[name] == local)
    with sandbox.db.session() as session:
        exams = list(session.scalars(stmt.order_by(RegionalExam.exam_date.desc(), RegionalExam.id)))
        views = []
        for exam in exams:
            studies = [i.get("studyUID") for i in exam.body.get("imageList") or [] if i.get("studyUID")]
            count = len(session.scalars(select(DicomStored.id).where(DicomStored.store == "archive",
                                                                     DicomStored.study_uid.in_(studies))).all()) if studies else 0
            views.append(_exam_view(exam, count))
    return render_page("regional_reports.html", title="检查报告列表 / reports", query=sorted(given.items()), exams=views)


def statistics(sandbox: Sandbox, hospital: str | None, day: str | None) -> str:
    rows = service.reconcile(sandbox, hospital, day)
    return render_page("regional_statistics.html", title="检查上传统计对账 / statistics", rows=rows, states=STATES)
