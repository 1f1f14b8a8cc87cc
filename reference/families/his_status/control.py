"""Sandbox control of the simulated HIS's status service (``openapi/sandbox.yaml``)."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy import select

from reference.storage.models import HisStatusReceived


def hisStatusReceived(hospital: str, applyNo: str | None = None) -> list[dict[str, Any]]:
    """The SynStatusInfo calls the simulated HIS of ``hospital`` received, oldest first."""
    query = select(HisStatusReceived).where(HisStatusReceived.hospital == hospital)
    if applyNo:
        query = query.where(HisStatusReceived.apply_no == applyNo)
    with context["sandbox"].db.session() as session:
        return [{"examNo": r.exam_no, "applyNo": r.apply_no, "status": r.status_code, "accepted": bool(r.accepted),
                 "receivedAt": f"{r.received_at:%Y-%m-%d %H:%M:%S}", "fields": r.fields, "findings": r.findings}
                for r in session.scalars(query.order_by(HisStatusReceived.id))]
