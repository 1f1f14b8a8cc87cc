"""The parties as the sandbox presents them: where each listens and who may call it.

``credentials()`` is what `imgcloud credentials` prints: per party, its mode, its
endpoints and the codes and secrets the sandbox issued to the institutions that call
it (INTERFACES.md, Parties and Families).
"""
from __future__ import annotations

from typing import Any

from reference.config import Config, InstitutionConfig

#: Which institution kinds call which provider party (INTERFACES.md, flows A and C).
CALLERS: dict[str, tuple[str, ...]] = {
    "province_index": ("imaging_centre",),
    "imaging_centre": ("hospital",),
    "province_cloud": ("hospital", "city_platform"),
}

#: Endpoints per provider party, relative to its base URL (the seeds' own paths).
ENDPOINTS: dict[str, dict[str, str]] = {
    "province_index": {
        "saveExamRpotImgIndx": "/mie/api/mie/saveExamRpotImgIndx",
        "deleteExamRpotImgIndx": "/mie/api/mie/deleteExamRpotImgIndx",
        "docs": "/_sandbox/docs/nhsa-index/",
    },
    "imaging_centre": {
        "saveExamRpotImgInfo": "/mie/api/mie/saveExamRpotImgInfo",
        "imgDld (per centre)": "/centre/{centre}/imgDld",
        "docs": "/_sandbox/docs/imaging-centre/",
    },
    "province_cloud": {
        **{op: f"/interface/{op}" for op in (
            "getToken", "saveReminderCallRecord", "projectContrast", "savePatientExam", "uploadDicom", "saveExamPdf",
            "getdigitalImageUrl", "queryFormerlyExam", "queryExamPdfData", "saveRecognExamRecord")},
        "sm2 public key": "/_sandbox/province-cloud/sm2-public-key",
        "docs": "/_sandbox/docs/province-cloud/",
    },
    "hospital": {
        "files (per hospital)": "/hospital/{hospital}/files/{sha256}.pdf|dcm|zip",
        "wado (per hospital)": "/hospital/{hospital}/wado?requestType=WADO&studyUID=&seriesUID=&objectUID=",
    },
}


def base_url(config: Config, party: str) -> str:
    """Where ``party`` is reached: this sandbox when simulated, else its configured address."""
    cfg = config.parties[party]
    if cfg.mode == "external":
        return (cfg.base_url or f"http://{cfg.host}:{cfg.port}").rstrip("/")
    return config.public_url


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


def credentials(config: Config) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for party, cfg in config.parties.items():
        url = base_url(config, party)
        entry: dict[str, Any] = {"mode": cfg.mode, "base_url": url}
        if party in ENDPOINTS:
            entry["endpoints"] = {op: url + path for op, path in ENDPOINTS[party].items()}
        if cfg.ae_title and cfg.port:
            entry["dicom"] = {"ae_title": cfg.ae_title, "host": cfg.host or config.listen.host, "port": cfg.port,
                              "allowed_callers": list(cfg.allowed_callers),
                              "move_destinations": {ae: f"{d.host}:{d.port}" for ae, d in cfg.move_destinations.items()},
                              "max_associations": cfg.max_associations}
        if cfg.calling_ae_title:
            entry.setdefault("dicom", {})["calling_ae_title"] = cfg.calling_ae_title
        kinds = CALLERS.get(party, ())
        entry["credentials"] = [
            institution_credentials(config, inst) for inst in config.institutions if inst.kind in kinds
        ]
        if party == "province_cloud":  # getToken: uid = infCode, appSecret = key (INTERFACES.md §3)
            from reference.sm2 import issued_key

            entry["sm2_public_key"] = issued_key(config).public_key
        out[party] = entry
    return out
