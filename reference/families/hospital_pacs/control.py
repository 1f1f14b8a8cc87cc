"""Sandbox control of the simulated hospital's PACS/RIS (``openapi/sandbox.yaml``): exams
happen (studies into the PACS, reports into the hospital's database and its view)."""
from __future__ import annotations

from typing import Any

from connexion.context import context

from reference.sandbox import Sandbox

#: The actor ``sim`` lends: ``(sandbox, body) -> {"exams": [...]}`` (``sim.actors.hospital_pacs``).
EXAMINE = "hospital.examine"


def hospitalExamine(body: dict[str, Any]) -> dict[str, Any]:
    """The simulated hospital performs exams: each study in its PACS, each report in its database."""
    sandbox: Sandbox = context["sandbox"]
    return sandbox.actor(EXAMINE)(sandbox, body)
