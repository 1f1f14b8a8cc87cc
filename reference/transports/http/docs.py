"""Swagger UI per family at ``/_sandbox/docs/{family}/``, and each spec as JSON.

Connexion's own Swagger UI middleware mounts every API at its base path; our families
share base paths (the seeds' absolute paths), so only one UI would be reachable.  The
docs are served here instead, from the same spec files the APIs are built from.

Each spec is served with a valid "Try it out" example per operation when the sandbox was lent
the actor ``docs.examples`` (``sim.examples``: built from the issued credentials and the data
held now, the seeds' samples kept as named extra examples); without it, as written.
"""
from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from reference.families import Family

if TYPE_CHECKING:
    from reference.sandbox import Sandbox

logger = logging.getLogger("imgcloud.docs")
#: The actor that adds examples: ``(sandbox, family name, resolved spec) -> spec``.
EXAMPLES = "docs.examples"

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/_sandbox/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/_sandbox/docs/static/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{url: "{spec}", dom_id: "#swagger-ui"}});</script>
</body></html>"""


def docs_app(families: Sequence[Family], sandbox: Sandbox | None = None) -> Starlette:
    families = [f for f in families if f.contract]
    by_name = {f.name: f for f in families}

    def index(_: Request) -> Response:
        items = "".join(f'<li><a href="/_sandbox/docs/{f.name}/">{html.escape(f.name)}</a> — {html.escape(f.title)}</li>'
                        for f in families)
        return HTMLResponse(f"<!DOCTYPE html><meta charset='utf-8'><title>imgcloud-sandbox</title>"
                            f"<p><a href='/_sandbox/'>imgcloud-sandbox</a></p><ul>{items}</ul>")

    def page(request: Request) -> Response:
        family = by_name.get(request.path_params["family"])
        if family is None:
            return JSONResponse({"code": 404, "message": "no such family"}, status_code=404)
        spec = f"/_sandbox/docs/{family.name}/openapi.json"
        return HTMLResponse(_PAGE.format(title=html.escape(family.title), spec=spec))

    def spec(request: Request) -> Response:
        family = by_name.get(request.path_params["family"])
        if family is None:
            return JSONResponse({"code": 404, "message": "no such family"}, status_code=404)
        return JSONResponse(with_examples(family))

    def with_examples(family: Family) -> dict:
        spec = family.spec()
        add = sandbox.actors.get(EXAMPLES) if sandbox is not None else None
        if add is None:
            return spec
        try:
            return add(sandbox, family.name, spec)
        except Exception:  # the docs still open, with the seeds' samples only
            logger.exception("building the examples of %s failed", family.name)
            return spec

    return Starlette(routes=[
        Route("/", index),
        Mount("/static", StaticFiles(directory=swagger_ui_path)),
        Route("/{family}/", page),
        Route("/{family}/openapi.json", spec),
    ])
