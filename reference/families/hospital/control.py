"""Sandbox control of the simulated hospital (``openapi/sandbox.yaml``)."""
from __future__ import annotations

from typing import Any

from connexion.context import context

from reference.sandbox import Sandbox
from reference.storage.db import delete_rows
from reference.storage.models import HospitalFile, PacsInstance

#: The actor ``sim`` lends: ``(sandbox, **body) -> {"exams": [...]}`` (``sim.actors``).
UPLOAD = "hospital.upload"


def hospitalUpload(body: dict[str, Any]) -> dict[str, Any]:
    """The simulated hospital generates exams and uploads them to the centre (flow A)."""
    sandbox: Sandbox = context["sandbox"]
    return sandbox.actor(UPLOAD)(sandbox, body)


def resetTenantState(sandbox: Sandbox, code: str) -> dict[str, int]:
    """A tenant's reset (``POST /_sandbox/tenants/{code}/reset``, issue 13): what the simulated
    hospital ``code`` holds in the sandbox's database — its PACS's instances (served by its SCP and
    WADO-URI) and the list of files it serves.  The files themselves stay in the content-addressed
    blob store (another hospital may serve the same bytes)."""
    with sandbox.db.session() as session:
        return {"pacs_instances": delete_rows(session, PacsInstance, PacsInstance.hospital_code == code),
                "hospital_files": delete_rows(session, HospitalFile, HospitalFile.hospital_code == code)}
