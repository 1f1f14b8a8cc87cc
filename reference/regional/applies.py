"""An apply form's life at the regional platform (seeds/004 §3.4.1.1 and §3.4.2.1).

The HIS creates, updates and deletes it with SynApplyInfo while it is ``applied``.  Once the
exam moves at the PACS — registered (the exam pushed, SynStatusInfo 20 检查确认), examined (its
images received, 50), reported (its report confirmed, 70) — UPDATE and DELETE answer -88
("申请单在PACS系统已检查登记或检查完成或报告完成").  States only move forward.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reference.storage.models import SynApply

APPLIED, DELETED = "applied", "deleted"
#: state -> (中文, English), in the order the exam moves
PROGRESS: dict[str, tuple[str, str]] = {
    "registered": ("检查登记", "registered"),
    "examined": ("检查完成", "examined"),
    "reported": ("报告完成", "reported"),
}
_ORDER = {APPLIED: 0, "registered": 1, "examined": 2, "reported": 3}
#: SynStatusInfo ExamStatus code -> the state it means (004 §3.4.2.1)
STATUS_STATES = {"20": "registered", "50": "examined", "70": "reported"}


def find(session: Session, apply_no: str) -> SynApply | None:
    return session.scalar(select(SynApply).where(SynApply.apply_no == apply_no))


def for_exam(session: Session, hospital_code: str, apply_no: str) -> SynApply | None:
    """The live apply form an exam push names: ``applyNo`` as the HIS sent it, or with the
    hospital prefix (院内申请单号 ``00000001`` -> ``0011_00000001``)."""
    for candidate in (apply_no, f"{hospital_code}_{apply_no}"):
        found = find(session, candidate)
        if found is not None and found.status != DELETED:
            return found
    return None


def advance(apply: SynApply, state: str, now: datetime, *, why: str) -> bool:
    """Move ``apply`` forward to ``state`` (never back); whether it moved."""
    if apply.status == DELETED or _ORDER.get(state, -1) <= _ORDER.get(apply.status, 0):
        return False
    apply.status, apply.updated_at = state, now
    apply.history = [*apply.history, {"state": state, "at": f"{now:%Y-%m-%d %H:%M:%S}", "why": why}]
    return True


def progressed(apply: SynApply) -> tuple[str, str] | None:
    """``(中文, English)`` of how far the exam went, or None while UPDATE/DELETE are allowed."""
    return PROGRESS.get(apply.status)
