"""Sandbox control of the simulated HIS's status service (``openapi/sandbox.yaml``)."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy import select

from reference.sandbox import Sandbox
from reference.storage.db import delete_rows
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


def resetTenantState(sandbox: Sandbox, code: str) -> dict[str, int]:
    """A tenant's reset (``POST /_sandbox/tenants/{code}/reset``, issue 13): the SynStatusInfo calls
    the simulated HIS of the hospital ``code`` received."""
    with sandbox.db.session() as session:
        return {"his_status_received": delete_rows(session, HisStatusReceived, HisStatusReceived.hospital == code)}
