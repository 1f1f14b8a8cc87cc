"""getToken and the ``token`` header (seeds/004 §3.2.2.5 接口权限; INTERFACES.md §5).

``sign`` is decrypted with the platform's private key (``reference.crypto.rsa``), then read as
``appId,orgId,license`` (optionally ``,time`` within ±5 minutes); each way it can be wrong is
named.  A token is valid 2 hours and accepted 15 minutes more; tokens are in the database
(every worker agrees), times from the sandbox's injectable clock.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from reference.config import Config, InstitutionConfig, ValidationMode
from reference.crypto import rsa
from reference.regional import identity
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import RegionalToken

VALIDITY = timedelta(hours=2)
GRACE = timedelta(minutes=15)
SKEW = timedelta(minutes=5)
_TIME = "%Y-%m-%d %H:%M:%S"
SIGN_RULES = {"base64": "REGIONAL-SIGN-BASE64", "length": "REGIONAL-SIGN-LENGTH", "oaep": "REGIONAL-SIGN-OAEP",
              "wrong-key": "REGIONAL-SIGN-WRONG-KEY", "utf8": "REGIONAL-SIGN-TEXT"}
PATH = "sign"
_LOOKS_TIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2})?")


def _time_findings(sandbox: Sandbox, value: str) -> list[Finding]:
    now = sandbox.now()
    try:
        when = datetime.strptime(value, _TIME)
    except ValueError:
        return [RULES.finding("REGIONAL-SIGN-TIME", path=PATH, time=value, now=f"{now:{_TIME}}",
                              problem="不是 YYYY-MM-DD HH24:MI:SS", problem_en="is not YYYY-MM-DD HH24:MI:SS")]
    skew = abs(now - when)
    if skew > SKEW:
        return [RULES.finding("REGIONAL-SIGN-TIME", path=PATH, time=value, now=f"{now:{_TIME}}",
                              problem=f"与平台时间相差 {skew}", problem_en=f"is {skew} away")]
    return []


def _role(config: Config, part: str) -> str:
    """What a field of the sign looks like: appId, license, orgId, time, or ?."""
    if identity.by_app_id(config, part):
        return "appId"
    if identity.by_license(config, part):
        return "license"
    if identity.by_regional_code(config, part):
        return "orgId"
    return "time" if _LOOKS_TIME.fullmatch(part) else "?"


def read_sign(sandbox: Sandbox, sign: str, mode: ValidationMode = "strict") -> tuple[InstitutionConfig | None, list[Finding]]:
    """The hospital ``sign`` identifies, or the findings that say why it does not."""
    config = sandbox.config
    try:
        plain = rsa.decrypt_sign(sign, rsa.issued_key(config))
    except rsa.SignError as exc:
        return None, [RULES.finding(SIGN_RULES[exc.kind], path=PATH, detail=exc.detail)]
    parts = [p.strip() for p in plain.split(",")]
    if len(parts) not in (3, 4):
        return None, [RULES.finding("REGIONAL-SIGN-FORMAT", path=PATH, plain=plain[:80])]
    roles = [_role(config, p) for p in parts]
    if len(parts) == 3 and roles[:2] == ["appId", "license"] and roles[2] != "orgId":  # 004's table: appId,license,time
        inst = identity.by_license(config, parts[1])
        findings = [RULES.finding("REGIONAL-SIGN-TABLE-ORDER", mode=mode, path=PATH), *_time_findings(sandbox, parts[2])]
        if identity.by_app_id(config, parts[0]) is not inst:
            findings.append(RULES.finding("REGIONAL-SIGN-LICENSE", path=PATH, app_id=parts[0]))
        return inst, findings
    if roles[:3] != ["appId", "orgId", "license"] and {"appId", "license"} <= set(roles):
        return None, [RULES.finding("REGIONAL-SIGN-ORDER", path=PATH, got=",".join(roles))]
    inst = identity.by_app_id(config, parts[0])
    if inst is None:
        return None, [RULES.finding("REGIONAL-SIGN-APPID", path=PATH, app_id=parts[0][:40])]
    findings = []
    if identity.by_license(config, parts[2]) is not inst:
        findings.append(RULES.finding("REGIONAL-SIGN-LICENSE", path=PATH, app_id=parts[0]))
    expected = identity.regional_code(inst)
    if parts[1] != expected:
        findings.append(RULES.finding("REGIONAL-SIGN-ORGID", path=PATH, org_id=parts[1], app_id=parts[0], expected=expected))
    if len(parts) == 4:
        findings += _time_findings(sandbox, parts[3])
    return inst, findings


def issue(sandbox: Sandbox, inst: InstitutionConfig) -> str:
    now = sandbox.now()
    token = secrets.token_hex(32)
    with sandbox.db.session() as session:
        session.add(RegionalToken(token=token, app_id=identity.app_id(sandbox.config, inst),
                                  org_id=identity.regional_code(inst), issued_at=now, expires_at=now + VALIDITY))
    return token


def holder(sandbox: Sandbox, token: str | None) -> tuple[str | None, list[Finding]]:
    """The orgId a live token was issued to, or the finding that refuses it."""
    if not token:
        return None, [RULES.finding("REGIONAL-TOKEN-MISSING", path="header token")]
    with sandbox.db.session() as session:
        row = session.get(RegionalToken, token.strip())
        if row is None:
            return None, [RULES.finding("REGIONAL-TOKEN-UNKNOWN", path="header token")]
        if sandbox.now() >= row.expires_at + GRACE:
            return None, [RULES.finding("REGIONAL-TOKEN-EXPIRED", path="header token",
                                        expired=f"{row.expires_at + GRACE:{_TIME}}")]
        return row.org_id, []
