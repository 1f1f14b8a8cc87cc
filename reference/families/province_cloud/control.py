"""Sandbox control of the simulated provincial cloud (``openapi/sandbox.yaml``)."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy import func, select

from reference.crypto.sm2 import issued_key
from reference.sandbox import Sandbox
from reference.storage.db import delete_rows
from reference.storage.models import (
    ProvinceAuth,
    ProvinceExam,
    ProvinceInstance,
    ProvinceProject,
    ProvinceRecord,
    ProvinceToken,
)

from . import tokens
from .film import film_url


def provinceCloudSm2PublicKey() -> dict[str, Any]:
    """The provincial cloud's SM2 public key (seeds/003; INTERFACES.md §3)."""
    key = issued_key(context["sandbox"].config)
    return {"publicKey": key.public_key, "x": key.public_hex[:64], "y": key.public_hex[64:], "curve": "SM2 (GM/T 0003)",
            "ciphertext": "C1C3C2, hex or base64, with or without the 04 prefix"}


def provinceCloudExams(limit: int = 100) -> list[dict[str, Any]]:
    """The exams uploaded to the provincial cloud, newest first, each with its film page (getdigitalImageUrl's)."""
    sandbox = context["sandbox"]
    with sandbox.db.reading() as session:
        exams = list(session.scalars(select(ProvinceExam).order_by(ProvinceExam.id.desc()).limit(limit)))
        counts = dict(session.execute(select(ProvinceInstance.exam_pk, func.count()).where(
            ProvinceInstance.exam_pk.in_([e.id for e in exams])).group_by(ProvinceInstance.exam_pk)).tuples().all())
    return [{"examId": e.exam_id, "hospitalCode": e.hospital_code, "accessNumber": e.access_number,
             "patient": e.patient_name, "modality": e.row.get("modality"), "item": e.row.get("examProjectName"),
             "checkTime": e.row.get("checkTime"), "images": counts.get(e.id, 0), "pdf": e.pdf_sha256 is not None,
             "links": {"film": film_url(sandbox, e.exam_id)}} for e in exams]


def resetTenantState(sandbox: Sandbox, code: str) -> dict[str, int]:
    """A tenant's reset (``POST /_sandbox/tenants/{code}/reset``, issue 13).  The cloud knows a
    tenant two ways: as the hospital an exam, its images and its projects are filed under
    (``hospitalCode``), and as the caller (``uid``) that holds tokens, a lock and the records it
    saved.  A city platform's reset therefore forgets its tokens and records but not the exams it
    uploaded for a hospital: those are the hospital's (reset the hospital to forget them).  A
    record another caller saved about one of the hospital's exams (a doctor elsewhere viewed it) is
    that caller's and stays.  Files stay in the content-addressed blob store (another exam may
    share them)."""
    with sandbox.db.session() as session:
        pks = list(session.scalars(select(ProvinceExam.id).where(ProvinceExam.hospital_code == code)))
        counts = {
            "province_instances": delete_rows(session, ProvinceInstance, ProvinceInstance.exam_pk.in_(pks)) if pks else 0,
            "province_exams": delete_rows(session, ProvinceExam, ProvinceExam.id.in_(pks)) if pks else 0,
            "province_records": delete_rows(session, ProvinceRecord, ProvinceRecord.uid == code),
            "province_projects": delete_rows(session, ProvinceProject, ProvinceProject.hospital_code == code),
            "province_tokens": delete_rows(session, ProvinceToken, ProvinceToken.uid == code),
            "province_auth": delete_rows(session, ProvinceAuth, ProvinceAuth.uid == code),
        }
    tokens.forget_spent(sandbox)  # after the commit: no worker answers 11004, or a token, from memory for it
    return counts
