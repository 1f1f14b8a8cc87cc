"""The sandbox's own API answers a refused request with its plain error body and a 4xx status
(``_shared/plain-error.yaml``): every operation of ``sandbox.yaml`` must say so, or a client
generated from the spec (and schemathesis, ``-m heavy``) meets an undocumented status."""
from __future__ import annotations

from pathlib import Path

import yaml

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "sandbox.yaml"
METHODS = ("get", "post", "put", "delete", "patch")


def test_every_sandbox_operation_documents_its_error_reply() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    missing = [f"{method.upper()} {path}" for path, item in spec["paths"].items() for method, op in item.items()
               if method in METHODS and "default" not in op["responses"]
               and not any(str(code).startswith("4") for code in op["responses"])]
    assert not missing, f"operations without their error reply: {missing}"
