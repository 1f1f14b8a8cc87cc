"""Swagger "Try it out" examples that work (issue 14): for every operation of a family, a valid
request built when the docs are fetched, from the credentials the sandbox issued and the data
it holds now (the demo world's exams, files, instances, a live token).  The seeds' samples stay
as named extra examples after it.  Lent to the sandbox as the actor ``docs.examples``
(``reference/transports/http/docs.py`` asks for it by name).

Operations that delete act on what the matching creation example creates (the
``deleteExamRpotImgIndx`` example withdraws the row the ``saveExamRpotImgIndx`` example saves,
``centreDelete`` the exam ``hospitalUpload`` generates), so that trying the examples in the
page's order leaves the demo world as it was.  A multipart upload's file cannot be an example:
``x-imgcloud-example-files`` names where to download it (the hospital's WADO-URI or the film PDF).

Modules: ``context`` (what the examples are built from), ``flows_ac`` and ``flows_bd`` (one
builder per family), ``console`` (the console's operations, issue 13), this one (into the spec).
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from reference.families import METHODS
from reference.sandbox import Sandbox

from . import console, flows_ac, flows_bd
from .context import Context, Example

#: The actor's name (``reference.transports.http.docs.EXAMPLES``).
NAME = "docs.examples"


def _sandbox(ctx: Context) -> dict[str, Example]:
    return {**flows_ac.sandbox_ac(ctx), **flows_bd.sandbox_bd(ctx), **console.sandbox_console(ctx)}


BUILDERS: dict[str, Callable[[Context], dict[str, Example]]] = {
    "nhsa-index": flows_ac.nhsa_index, "imaging-centre": flows_ac.imaging_centre,
    "province-cloud": flows_ac.province_cloud, "hospital": flows_ac.hospital, "sandbox": _sandbox,
    "hospital-pacs": flows_bd.hospital_pacs, "gateway": flows_bd.gateway, "jiwei": flows_bd.jiwei,
    "regional-archive": flows_bd.regional_archive,
}


# -- into the spec ------------------------------------------------------------------------------

def with_examples(sandbox: Sandbox, family: str, spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (a copy) with each operation's valid example first (the actor ``docs.examples``)."""
    builder = BUILDERS.get(family)
    if builder is None:
        return spec
    ctx = Context(sandbox)
    examples = builder(ctx)
    spec = copy.deepcopy(spec)
    stamp = f"{ctx.now:%Y-%m-%d %H:%M:%S}"
    for item in spec.get("paths", {}).values():
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict) and op.get("operationId") in examples:
                _inject(op, examples[op["operationId"]], stamp)
    return spec


def _inject(op: dict[str, Any], example: Example, stamp: str) -> None:
    summary = f"有效请求 valid request (built {stamp} from the issued credentials and current data)"
    if example.params:
        op["parameters"] = [dict(p, example=example.params[p["name"]]) if p.get("name") in example.params else p
                            for p in op.get("parameters", [])]
    content = (op.get("requestBody") or {}).get("content") or {}
    if example.body is not None and "application/json" in content:
        media = dict(content["application/json"])
        named = {f"valid-{name}": {"summary": f"{summary}: {name}", "value": value} for name, value in example.named.items()}
        media["examples"] = {"valid": {"summary": summary, "value": example.body}, **named, **media.get("examples", {})}
        media.pop("example", None)
        content["application/json"] = media
    if example.form is not None and "multipart/form-data" in content:
        media = copy.deepcopy(content["multipart/form-data"])
        properties = media.get("schema", {}).get("properties", {})
        for name, value in example.form.items():
            if name in properties:
                properties[name]["example"] = value
        content["multipart/form-data"] = media
    if example.files:
        op["x-imgcloud-example-files"] = example.files
    note = f"\n\n**Try it out**: the example *valid* was built {stamp} from the issued credentials and the data the " \
           f"sandbox holds now{': ' + example.note if example.note else ''}."
    if example.files:
        note += " Files: " + ", ".join(f"`{k}` from {v}" for k, v in example.files.items())
    op["description"] = (op.get("description") or "") + note
