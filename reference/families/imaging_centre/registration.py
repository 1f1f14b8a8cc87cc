"""The centre registers its stored exams with the province, and withdraws deleted ones
(seeds/000 §1.1–1.2 as the caller; INTERFACES.md flow A).

The index row is the uploaded row in the province's names and formats for the centre's
profile, plus what the centre adds: its own USCC and the links to its report page,
image page and image download service.
"""
from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from reference.config import InstitutionConfig
from reference.families import by_name
from reference.parties import base_url
from reference.profiles import patch_row, row_node
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import CentreExam
from reference.transports.http.client import shared_client
from reference.validation.conform import conform

from .index_client import NhsaIndexClient

SAVE, DELETE = "saveExamRpotImgIndx", "deleteExamRpotImgIndx"


def links(sandbox: Sandbox, centre_code: str, accession: str) -> dict[str, str]:
    base = f"{base_url(sandbox.config, 'imaging_centre')}/centre/{centre_code}"
    return {"examRpotLinkUrl": f"{base}/report/{accession}", "imgInfoLinkUrl": f"{base}/image/{accession}",
            "imgDldLink": f"{base}/imgDld"}


def index_row(sandbox: Sandbox, exam: CentreExam, centre: InstitutionConfig) -> dict[str, Any]:
    spec = by_name("nhsa-index").spec()  # the national index's own contract: its IndexRow
    target = patch_row(spec["components"]["schemas"]["IndexRow"], profile=centre.profile, operation=SAVE)
    return conform({**exam.row, "stogInsUscc": centre.uscc, **links(sandbox, exam.centre_code, exam.accession)}, target)


def _client(sandbox: Sandbox) -> NhsaIndexClient:
    return NhsaIndexClient(sandbox.config, shared_client(sandbox, party="imaging_centre", family="nhsa-index"))


def _call(sandbox: Sandbox, centre: InstitutionConfig, operation: str,
          rows: list[Any]) -> tuple[list[dict[str, Any]] | None, str]:
    """Per-row results of the province's answer, or ``None`` and why."""
    client = _client(sandbox)
    try:
        reply = client.call(centre, operation, rows, now=sandbox.now(), node=row_node(centre.profile, operation, "input"))
        body = reply.json()
    except (httpx.HTTPError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        client.client.close()
    if not isinstance(body, dict) or body.get("code") != 0:
        return None, str(body.get("message") if isinstance(body, dict) else body)[:1000]
    return list(body.get("data") or []), ""


def register_exams(sandbox: Sandbox, centre_code: str, exam_ids: list[int]) -> None:
    centre = sandbox.config.institution(centre_code)
    assert centre is not None
    with sandbox.db.reading() as session:
        exams = list(session.scalars(select(CentreExam).where(CentreExam.id.in_(exam_ids)).order_by(CentreExam.id)))
        rows = [index_row(sandbox, exam, centre) for exam in exams]
    results, why = _call(sandbox, centre, SAVE, rows)
    with sandbox.db.session() as session:
        for i, exam in enumerate(session.scalars(select(CentreExam).where(CentreExam.id.in_(exam_ids)).order_by(CentreExam.id))):
            result = (results or [{}])[i] if results and i < len(results) else None
            ok = result is not None and result.get("succFlag") in ("1", "0")
            exam.status = "registered" if ok else "register_failed"
            if not ok:
                detail = (result or {}).get("message") or why or "no per-row result"
                exam.findings = [*exam.findings, RULES.finding("CENTRE-REGISTER-FAILED", detail=detail).to_dict()]
            exam.updated_at = sandbox.now()


def withdraw_exam(sandbox: Sandbox, centre_code: str, hi: str) -> dict[str, Any] | None:
    """Delete an exam at the centre and withdraw its index upstream; the province's row result."""
    from .service import current_exam

    centre = sandbox.config.institution(centre_code)
    assert centre is not None
    with sandbox.db.session() as session:
        exam = current_exam(session, centre_code, hi)
        if exam is None:
            return None
        exam.deleted_at, exam.status, exam.updated_at = sandbox.now(), "deleted", sandbox.now()
    from .download import bump_centre
    bump_centre(sandbox)
    results, why = _call(sandbox, centre, DELETE, [hi])
    return (results or [{}])[0] if results else {"hiImgIndx": hi, "succFlag": "-1", "message": why}
