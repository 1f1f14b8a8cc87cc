"""A hospital's identities in the 004 world, and what the platforms issue to it.

- ``regional_code``: the hospital code the regional platform assigned (004 §3.2.3.1
  hospitalCode "医院代码，由平台统一分配"; getToken's ``orgId``; the 医院ID prefix of SickNo and
  ApplyNo, "加医院ID前缀有下划线"; the report page's ``7173_brid00``; Jiwei's ``yyid00``).
  Configured per institution (``regional_code``), else the code's last four characters —
  004's statistics sample uses "0001", "0002".
- ``app_id`` and ``license``: "第三方厂商需要拿到平台统一分配的appId,license,RSA公钥" (§3.2.2.5);
  the same license is the SynApplyInfo Header ``License`` "由本系统提供" (§3.4.1.1): 32 hex
  characters, as 004's sample ``F9BDEFC9EDD6426E57E9DFEFE3A74FA2``.
- ``jiwei_key``: the 16-character AES key of §3.1.1.3, per institution.

All derived from the seed (configurable where noted), so the same seed gives the same values.
"""
from __future__ import annotations

import hashlib
import hmac
import string

from reference.config import Config, InstitutionConfig

#: Institution kinds that call the regional platform and the primary-care platform.
CALLER_KINDS = ("hospital",)
_KEY_ALPHABET = string.ascii_letters + string.digits


def _digest(config: Config, purpose: str, code: str) -> bytes:
    return hmac.new(f"{config.seed}:{purpose}".encode(), code.encode(), hashlib.sha256).digest()


def regional_code(inst: InstitutionConfig) -> str:
    return inst.regional_code or inst.code[-4:]


def app_id(config: Config, inst: InstitutionConfig) -> str:
    return "app" + _digest(config, "regional-app-id", inst.code).hex()[:13]


def license_for(config: Config, inst: InstitutionConfig) -> str:
    return _digest(config, "regional-license", inst.code).hex()[:32].upper()


def jiwei_key(config: Config, inst: InstitutionConfig) -> str:
    if inst.jiwei_key:
        return inst.jiwei_key
    return "".join(_KEY_ALPHABET[b % len(_KEY_ALPHABET)] for b in _digest(config, "jiwei-aes", inst.code)[:16])


def hospitals(config: Config) -> list[InstitutionConfig]:
    """The institutions that hold 004 credentials."""
    return [i for i in config.institutions if i.kind in CALLER_KINDS]


def by_regional_code(config: Config, code: str | None) -> InstitutionConfig | None:
    return next((i for i in hospitals(config) if code and regional_code(i) == code), None)


def by_app_id(config: Config, value: str | None) -> InstitutionConfig | None:
    return next((i for i in hospitals(config) if value and app_id(config, i) == value), None)


def by_license(config: Config, value: str | None) -> InstitutionConfig | None:
    value = (value or "").strip().upper()
    return next((i for i in hospitals(config) if value and license_for(config, i) == value), None)


def credentials(config: Config, inst: InstitutionConfig) -> dict[str, str]:
    """What ``imgcloud credentials`` shows for a hospital under 004."""
    return {"appId": app_id(config, inst), "orgId": regional_code(inst), "license": license_for(config, inst),
            "jiweiKey": jiwei_key(config, inst)}


def regional_code_of(config: Config, code: str) -> str | None:
    """The regional code of the configured hospital ``code`` (what the 004 tables hold of it), if
    ``code`` names one: a tenant's reset finds the hospital's rows by it."""
    inst = config.institution(code)
    return regional_code(inst) if inst is not None and inst.kind in CALLER_KINDS else None
