"""Handlers of ``openapi/sandbox.yaml``, named after their operationId."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from sqlalchemy.engine import make_url

from reference.families import all_families


def health() -> dict[str, Any]:
    sandbox = context["sandbox"]
    return {
        "status": "ok",
        "families": [f.name for f in all_families() if f.name != "sandbox"],
        "storage": make_url(sandbox.config.storage_url).get_backend_name(),
    }


def exchanges(
    operation: str | None = None,
    institution: str | None = None,
    family: str | None = None,
    verdict: str | None = None,
    uid: str | None = None,
    direction: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    return context["sandbox"].exchanges.query(
        operation=operation, institution=institution, family=family, verdict=verdict, uid=uid,
        direction=direction, limit=limit,
    )


def provinceCloudSm2PublicKey() -> dict[str, Any]:
    """The provincial cloud's SM2 public key (seeds/003; INTERFACES.md §3)."""
    from reference.sm2 import issued_key

    key = issued_key(context["sandbox"].config)
    return {"publicKey": key.public_key, "x": key.public_hex[:64], "y": key.public_hex[64:], "curve": "SM2 (GM/T 0003)",
            "ciphertext": "C1C3C2, hex or base64, with or without the 04 prefix"}
