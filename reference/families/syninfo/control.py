"""Sandbox control of SynApplyInfo (``openapi/sandbox.yaml``): a tenant's reset."""
from __future__ import annotations

from sqlalchemy import and_, or_

from reference.regional import identity
from reference.sandbox import Sandbox
from reference.storage.db import delete_rows
from reference.storage.models import SynApply


def resetTenantState(sandbox: Sandbox, code: str) -> dict[str, int]:
    """A tenant's reset (``POST /_sandbox/tenants/{code}/reset``, issue 13): the apply forms of the
    hospital ``code`` — those its ``ReqHospital`` names by the hospital's regional code, or, naming
    none, whose ApplyNo carries the hospital's 医院ID prefix (004 §3.4.1.1 "加医院ID前缀")."""
    org = identity.regional_code_of(sandbox.config, code)
    if org is None:
        return {}
    with sandbox.db.session() as session:
        mine = or_(SynApply.hospital_code == org,
                   and_(SynApply.hospital_code.is_(None), SynApply.apply_no.startswith(f"{org}_", autoescape=True)))
        return {"syninfo_applies": delete_rows(session, SynApply, mine)}
