"""Sandbox control of the simulated provincial cloud (``openapi/sandbox.yaml``)."""
from __future__ import annotations

from typing import Any

from connexion.context import context

from reference.crypto.sm2 import issued_key


def provinceCloudSm2PublicKey() -> dict[str, Any]:
    """The provincial cloud's SM2 public key (seeds/003; INTERFACES.md §3)."""
    key = issued_key(context["sandbox"].config)
    return {"publicKey": key.public_key, "x": key.public_hex[:64], "y": key.public_hex[64:], "curve": "SM2 (GM/T 0003)",
            "ciphertext": "C1C3C2, hex or base64, with or without the 04 prefix"}
