"""Sandbox control of the simulated hospital's PACS/RIS (``openapi/sandbox.yaml``): exams
happen (studies into the PACS, reports into the hospital's database and its view)."""
from __future__ import annotations

from typing import Any

from connexion.context import context

from reference.sandbox import Sandbox

from .database import database_url, forget_hospital

#: The actor ``sim`` lends: ``(sandbox, body) -> {"exams": [...]}`` (``sim.actors.hospital_pacs``).
EXAMINE = "hospital.examine"


def hospitalExamine(body: dict[str, Any]) -> dict[str, Any]:
    """The simulated hospital performs exams: each study in its PACS, each report in its database."""
    sandbox: Sandbox = context["sandbox"]
    return sandbox.actor(EXAMINE)(sandbox, body)


def resetTenantState(sandbox: Sandbox, code: str) -> dict[str, int]:
    """A tenant's reset (``POST /_sandbox/tenants/{code}/reset``, issue 13): the reports of the
    hospital ``code`` in the simulated hospital's own database (its table, hence its view and its
    HTTP report pull).  Only a configured hospital has reports there; another code touches nothing
    (nor opens the database)."""
    inst = sandbox.config.institution(code)
    if inst is None or inst.kind != "hospital":
        return {}
    return {"hospital_reports": forget_hospital(database_url(sandbox.config), code)}
