"""The parties as ``imgcloud credentials`` and the banner show them: per party, its mode, its
endpoints, its DICOM AE and the codes and secrets the sandbox issued to the institutions that
call it (INTERFACES.md, Parties and Families).  Addresses, endpoints and callers come from
``reference.parties`` (derived from the family records)."""
from __future__ import annotations

from typing import Any

from reference.config import Config, InstitutionConfig
from reference.crypto import rsa
from reference.crypto.sm2 import issued_key
from reference.parties import base_url, callers, endpoint_paths
from reference.regional import identity


def institution_credentials(config: Config, inst: InstitutionConfig) -> dict[str, Any]:
    return {
        "infCode": inst.code,
        "key": config.secret_for(inst),
        "name": inst.name,
        "kind": inst.kind,
        "uscc": inst.uscc,
        "admdvs": inst.admdvs,
        "hospLv": inst.hosp_lv,
        "profile": inst.profile,
        "validation": config.mode_for(inst.code),
    }


def _dicom(config: Config, party: str) -> dict[str, Any] | None:
    cfg = config.parties[party]
    entry: dict[str, Any] = {}
    if cfg.ae_title and cfg.port:
        entry = {"ae_title": cfg.ae_title, "host": cfg.host or config.listen.host, "port": cfg.port,
                 "allowed_callers": list(cfg.allowed_callers),
                 "move_destinations": {ae: f"{d.host}:{d.port}" for ae, d in cfg.move_destinations.items()},
                 "max_associations": cfg.max_associations}
    if cfg.calling_ae_title:
        entry["calling_ae_title"] = cfg.calling_ae_title
    return entry or None


def sandbox_credentials(config: Config) -> dict[str, Any]:
    """The sandbox's own API: how it is protected and its admin token (X-Imgcloud-Admin)."""
    return {"protect": config.control.protect, "admin_token": config.admin_token(), "header": "X-Imgcloud-Admin"}


def credentials(config: Config) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for party, cfg in config.parties.items():
        url = base_url(config, party)
        entry: dict[str, Any] = {"mode": cfg.mode, "base_url": url}
        paths = endpoint_paths(party)
        if paths:
            entry["endpoints"] = {name: url + path.replace("{project}", cfg.project) for name, path in paths.items()}
        dicom = _dicom(config, party)
        if dicom:
            entry["dicom"] = dicom
        kinds = callers(party)
        entry["credentials"] = [institution_credentials(config, inst) for inst in config.institutions if inst.kind in kinds]
        if party == "province_cloud":  # getToken: uid = infCode, appSecret = key (INTERFACES.md §3)
            entry["sm2_public_key"] = issued_key(config).public_key
        if party in ("regional_platform", "jiwei"):  # seeds/004 §3.2.2.5 appId, orgId, license; §3.1 the AES key
            _regional(config, party, entry)
        out[party] = entry
    return out


def _regional(config: Config, party: str, entry: dict[str, Any]) -> None:
    for item in entry["credentials"]:
        inst = config.institution(item["infCode"])
        if inst is None:
            continue
        issued = identity.credentials(config, inst)
        if party == "regional_platform":
            item.update(appId=issued["appId"], orgId=issued["orgId"], license=issued["license"])
        else:
            item.update(yyid00=issued["orgId"], aesKey=issued["jiweiKey"])
    if party == "regional_platform":
        entry["rsa_public_key"] = rsa.public_pem(config)
