"""The external-viewing plug-in's login (seeds/001 §4.4.3.1): one parameter string, three ways
to hand it over — CS (``"软件路径/XXX.exe" "hisUserId=…&type=…"``), BS (``WYHT://hisUserId=…``) and
HTTP (``http://IP+PORT/hrball/?hisUserId=…``) — Chinese values ``encodeURI``d with every ``%``
replaced by ``$``, ``doctorIdCardNo`` SM2-encrypted.

``build`` writes a launch string of any form, ``parse_launch`` reads one back and ``check``
judges its parameters (what ``/hrball/`` answers, and ``imgcloud gateway launch-string``);
``login`` / ``logout`` keep the doctor's session, which the reminder (§4.4.3.2) requires.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from sqlalchemy import select

from reference.config import Config, ValidationMode
from reference.crypto import sm2
from reference.errors import NativeError
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import GatewaySession

from . import params

Form = Literal["cs", "bs", "http"]
FORMS: tuple[Form, ...] = ("cs", "bs", "http")
#: 001 §4.4.3.1 launch-string order
ORDER = ("hisUserId", "type", "doctorName", "department", "departmentCode", "doctorSex", "doctorIdCardNo", "doctorCode",
         "doctorType", "hospitalId", "phoneNumber")
DEFAULT_EXE = "C:/Program Files/IUPlugin/IUPlugin.exe"
PLACEHOLDER = "{phoneNumber}"
#: what encodeURI leaves alone, less what would break the parameter string (& = + $ #)
_SAFE = ";,/?:@-_.!~*'()"
LOGOUT_REQUIRED = ("hisUserId", "type")


@dataclass
class LaunchString:
    form: Form | None
    parameter_string: str = ""
    values: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    exe: str | None = None


def encode_value(value: str) -> str:
    """encodeURI, then every ``%`` replaced by ``$`` (001 §4.4.3.1 备注)."""
    return quote(value, safe=_SAFE).replace("%", "$")


def parameter_string(values: dict[str, str]) -> str:
    keys = [k for k in ORDER if k in values] + [k for k in values if k not in ORDER]
    return "&".join(f"{k}={encode_value(str(values[k]))}" for k in keys)


def build(values: dict[str, str], form: Form, *, exe: str = DEFAULT_EXE, base: str = "http://127.0.0.1:8000") -> str:
    """A launch string of ``form`` carrying ``values``."""
    text = parameter_string(values)
    if form == "cs":
        return f'"{exe}" "{text}"'
    if form == "bs":
        return f"WYHT://{text}"
    return f"{base.rstrip('/')}/hrball/?{text}"


def parse_launch(text: str) -> LaunchString:
    """Which form ``text`` is, and its parameters decoded (with what is wrong in them)."""
    text = text.strip()
    if text[:7].upper() == "WYHT://":
        out = LaunchString("bs", text[7:])
        if len(out.parameter_string) > 1 and out.parameter_string[0] == out.parameter_string[-1] == '"':
            out.parameter_string = out.parameter_string[1:-1]
            out.findings.append(RULES.finding("GW-LAUNCH-QUOTED"))
    elif urlsplit(text).scheme in ("http", "https") and "/hrball" in urlsplit(text).path:
        out = LaunchString("http", text.split("?", 1)[1] if "?" in text else "")
    else:
        try:
            words = shlex.split(text, posix=True)
        except ValueError:
            words = []
        if len(words) != 2 or "=" not in words[1]:
            return LaunchString(None, findings=[RULES.finding("GW-LAUNCH-FORM")])
        out = LaunchString("cs", words[1], exe=words[0])
    parsed = params.parse(out.parameter_string, dollar=True)
    out.values, out.findings = parsed.values, [*out.findings, *parsed.findings]
    return out


def check(values: dict[str, str], mode: ValidationMode,
          extra: list[Finding] | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """The parameters against 001's table (and its launch strings' own set): every finding."""
    values = dict(values)
    found = list(extra or [])
    if PLACEHOLDER in values:
        values.pop(PLACEHOLDER)
        found.append(RULES.finding("GW-HRBALL-PLACEHOLDER", mode=mode, path=PLACEHOLDER, key=PLACEHOLDER))
    logout = next((v.strip() for k, v in values.items() if k.strip() == "type"), "") == "2"
    required = LOGOUT_REQUIRED if logout else [n for n in params.schema("HrballParams")["required"] if n != "departmentCode"]
    body, findings = params.inspect(values, "HrballParams", operation="hrball", mode=mode, required=required, extra=found)
    if not logout and not body.get("departmentCode"):
        findings.append(RULES.finding("GW-HRBALL-FIELD-SETS", path="departmentCode"))
    return body, findings


def decrypt_id(config: Config, value: str, name: str) -> tuple[str | None, list[Finding]]:
    """An SM2 ciphertext with the imaging cloud's key (001 §4.4.3.1 注), or the finding naming why not."""
    try:
        return sm2.decrypt(value, sm2.issued_key(config)).plaintext, []
    except sm2.SM2Error as exc:
        return None, [RULES.finding(sm2.RULE_IDS[exc.kind], path=name, field=name, detail=exc.detail)]


def masked(id_number: str) -> str:
    return id_number[:4] + "*" * max(0, len(id_number) - 8) + id_number[-4:] if len(id_number) > 8 else "****"


def _known_hospital(config: Config, code: str) -> list[Finding]:
    inst = config.institution(code)
    if inst is not None and inst.kind == "hospital":
        return []
    known = "、".join(i.code for i in config.institutions if i.kind == "hospital")
    return [RULES.finding("GW-UNKNOWN-HOSPITAL", path="hospitalId", hospital=code, known=known)]


def login_checks(config: Config, body: dict[str, Any]) -> tuple[str | None, list[Finding]]:
    """What a login needs beyond the table: a hospital the gateway knows, a doctorIdCardNo that
    decrypts (named as the provincial cloud names SM2 problems).  The ID number, and findings."""
    findings = _known_hospital(config, body["hospitalId"]) if body.get("hospitalId") else []
    if not body.get("doctorIdCardNo"):
        return None, findings
    id_number, problems = decrypt_id(config, body["doctorIdCardNo"], "doctorIdCardNo")
    return id_number, [*findings, *problems]


def login(sandbox: Sandbox, body: dict[str, Any], id_number: str) -> dict[str, Any]:
    """Type 1: the doctor's session starts (an earlier one of the same user ends)."""
    doctor = {k: v for k, v in body.items() if k != "doctorIdCardNo"} | {"doctorIdCardNo": masked(id_number)}
    now = sandbox.now()
    with sandbox.db.session() as session:
        for old in session.scalars(select(GatewaySession).where(GatewaySession.his_user_id == body["hisUserId"],
                                                                GatewaySession.logout_at.is_(None))):
            old.logout_at = now
        session.add(GatewaySession(his_user_id=body["hisUserId"], hospital_code=body["hospitalId"], doctor=doctor,
                                   login_at=now))
    return {**doctor, "loginTime": f"{now:%Y-%m-%d %H:%M:%S}"}


def logout(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """Type 2: the user's session(s) end (at ``hospitalId`` when given)."""
    now = sandbox.now()
    with sandbox.db.session() as session:
        query = select(GatewaySession).where(GatewaySession.his_user_id == body["hisUserId"],
                                             GatewaySession.logout_at.is_(None))
        if body.get("hospitalId"):
            query = query.where(GatewaySession.hospital_code == body["hospitalId"])
        open_sessions = list(session.scalars(query))
        if not open_sessions:
            raise NativeError([RULES.finding("GW-NOT-LOGGED-IN", user=body["hisUserId"],
                                             hospital=body.get("hospitalId") or "—")])
        for item in open_sessions:
            item.logout_at = now
    return {"hisUserId": body["hisUserId"], "logoutTime": f"{now:%Y-%m-%d %H:%M:%S}"}


def active_session(sandbox: Sandbox, user: str, hospital: str) -> GatewaySession:
    with sandbox.db.session() as session:
        found = session.scalars(select(GatewaySession).where(
            GatewaySession.his_user_id == user, GatewaySession.hospital_code == hospital,
            GatewaySession.logout_at.is_(None)).order_by(GatewaySession.id.desc())).first()
        if found is None:
            raise NativeError([RULES.finding("GW-NOT-LOGGED-IN", user=user, hospital=hospital)])
        session.expunge(found)
        return found
