"""Sandbox control of the simulated provincial cloud (``openapi/sandbox.yaml``)."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy import func, select

from reference.crypto.sm2 import issued_key
from reference.storage.models import ProvinceExam, ProvinceInstance

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
