"""The sandbox's home page (``GET /_sandbox/``, issue 14): what the sandbox holds, with links to
every page, composed from the families' own listing operations (found by ``operationId``,
like the resolver finds control operations) — no family's internals read here."""
from __future__ import annotations

from typing import Any

from connexion.context import context
from starlette.responses import HTMLResponse, Response

from reference.families import all_families
from reference.viewer import render_page

from .handlers import demo_status


def _listing(operation: str, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    for family in all_families():
        function = family.control_action(operation)
        if function is not None:
            return list(function(*args, **kwargs))
    return []


def home() -> Response:
    """沙箱首页 / the sandbox's home page (sandbox-defined)."""
    sandbox = context["sandbox"]
    config = sandbox.config
    centres = [{"code": inst.code, "name": inst.name, "exams": _listing("centreExams", inst.code, limit=200)}
               for inst in config.institutions if inst.kind == "imaging_centre"]
    return HTMLResponse(render_page(
        "home.html", title="imgcloud-sandbox", base=config.public_url, demo=demo_status(sandbox), centres=centres,
        indexes=_listing("provinceIndexes", limit=200), cloud=_listing("provinceCloudExams", limit=200)))
