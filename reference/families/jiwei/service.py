"""The apply-form query (seeds/004 §3.1.3.1): decrypt ``param`` with the issued keys
(``reference.crypto.aes``), validate the business JSON against ``ApplyFormQuery``, find the
patient's forms of that kind at that hospital."""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from reference.config import InstitutionConfig
from reference.crypto import aes
from reference.errors import NativeError
from reference.regional import identity
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import JiweiForm
from reference.validation import inspect_body

#: ``(sandbox, {hospital, count, seed, start}) -> forms``: lent by ``sim`` (``sim.actors``)
FORMS_ACTOR = "jiwei.forms"
DEFAULT_FORMS = 20
AES_RULES = {"base64": "JIWEI-NOT-BASE64", "blocks": "JIWEI-BLOCKS", "wrong-key": "JIWEI-WRONG-KEY", "cbc": "JIWEI-MODE",
             "key-length": "JIWEI-KEY-LENGTH", "utf8": "JIWEI-NOT-TEXT", "key": "JIWEI-KEY-LENGTH"}


def decrypt(sandbox: Sandbox, param: str) -> tuple[InstitutionConfig, dict[str, Any]]:
    """The institution whose key decrypts ``param``, and the business JSON object."""
    keys = {inst.code: identity.jiwei_key(sandbox.config, inst) for inst in identity.hospitals(sandbox.config)}
    try:
        owner, text = aes.decrypt_any(param, keys)
    except aes.AESError as exc:
        raise NativeError([RULES.finding(AES_RULES[exc.kind], path="param", detail=exc.detail)]) from None
    inst = sandbox.config.institution(owner)
    assert inst is not None
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise NativeError([RULES.finding("JIWEI-NOT-JSON", path="param", detail=str(exc))]) from None
    if not isinstance(payload, dict):
        kinds: dict[type, str] = {list: "数组 / array", str: "字符串 / string"}
        kind = kinds.get(type(payload), type(payload).__name__)
        raise NativeError([RULES.finding("JIWEI-NOT-OBJECT", path="param", kind=kind)])
    return inst, payload


def check(sandbox: Sandbox, inst: InstitutionConfig, payload: dict[str, Any],
          schema: dict[str, Any]) -> tuple[dict[str, Any], list[Finding]]:
    """The business JSON normalised and validated (findings at ``$.param.…``), and its yyid00 checked."""
    report = inspect_body(payload, schema, operation="applyForm", mode=sandbox.config.mode_for(inst.code))
    findings = [replace(f, path="param" if f.path == "$" else f"param.{f.path}") for f in report.findings]
    expected = identity.regional_code(inst)
    value = report.body.get("yyid00") if isinstance(report.body, dict) else None
    if value and value != expected:
        findings.append(RULES.finding("JIWEI-HOSPITAL", path="param.yyid00", value=value, expected=expected, name=inst.name))
    return report.body, findings


def store(sandbox: Sandbox, forms: list[dict[str, Any]]) -> int:
    """Keep forms (one per yyid00 + applycode: a repeated one replaces)."""
    now = sandbox.now()
    with sandbox.db.session() as session:
        for form in forms:
            key = (str(form.get("yyid00") or "")[:32], str(form.get("applycode") or "")[:64])
            row = session.scalar(select(JiweiForm).where(JiweiForm.yyid00 == key[0], JiweiForm.applycode == key[1]))
            if row is None:
                row = JiweiForm(yyid00=key[0], applycode=key[1], created_at=now)
                session.add(row)
            row.medicarecode, row.form = str(form.get("medicarecode") or "")[:64], dict(form)
            row.businesstype, row.type = str(form.get("businesstype") or "")[:2], str(form.get("type") or "")[:2]
    return len(forms)


def ensure_forms(sandbox: Sandbox, inst: InstitutionConfig) -> None:
    """A hospital nobody put forms for gets the generated default set (when ``sim`` lent its actor)."""
    code = identity.regional_code(inst)
    with sandbox.db.session() as session:
        held = session.scalar(select(func.count()).select_from(JiweiForm).where(JiweiForm.yyid00 == code)) or 0
    if not held and FORMS_ACTOR in sandbox.actors:
        store(sandbox, sandbox.actor(FORMS_ACTOR)(sandbox, {"hospital": inst.code, "count": DEFAULT_FORMS}))


def query(sandbox: Sandbox, inst: InstitutionConfig, params: dict[str, Any]) -> list[dict[str, Any]]:
    ensure_forms(sandbox, inst)
    with sandbox.db.session() as session:
        rows = session.scalars(select(JiweiForm).where(
            JiweiForm.yyid00 == params["yyid00"], JiweiForm.medicarecode == params["medicarecode"],
            JiweiForm.businesstype == params["businesstype"], JiweiForm.type == params["type"]).order_by(JiweiForm.id))
        return [dict(r.form) for r in rows]
