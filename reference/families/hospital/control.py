"""Sandbox control of the simulated hospital (``openapi/sandbox.yaml``)."""
from __future__ import annotations

from typing import Any

from connexion.context import context

from reference.sandbox import Sandbox

#: The actor ``sim`` lends: ``(sandbox, **body) -> {"exams": [...]}`` (``sim.actors``).
UPLOAD = "hospital.upload"


def hospitalUpload(body: dict[str, Any]) -> dict[str, Any]:
    """The simulated hospital generates exams and uploads them to the centre (flow A)."""
    sandbox: Sandbox = context["sandbox"]
    return sandbox.actor(UPLOAD)(sandbox, body)
