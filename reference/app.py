"""The sandbox's front doors, assembled from the family records: every family's contract on one
Connexion AsyncApp (HTTP), every family's WSDL service (SOAP), and every family's DICOM services
(``start_dicom``).

AsyncApp, not FlaskApp: measured on this machine, the same spec and validation answer
~3,800 small requests/s per worker on AsyncApp against ~880 on FlaskApp.  Handlers are plain
functions named after their ``operationId`` (sync ones run in Connexion's thread pool).  The
recorder wraps the whole app so even requests Connexion refuses are logged.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import connexion
from connexion.exceptions import ProblemException
from connexion.jsonifier import Jsonifier
from connexion.options import SwaggerUIOptions
from starlette.exceptions import HTTPException
from starlette.routing import Mount, Router
from starlette.types import ASGIApp

from reference.clock import Clock
from reference.config import Config, load_config
from reference.errors import NativeError
from reference.families import FamilyRouter, all_families
from reference.sandbox import Sandbox
from reference.transports.http.admin import AdminGuard
from reference.transports.http.boundary import make_boundary
from reference.transports.http.docs import docs_app
from reference.transports.http.fastlane import FastLane, lanes
from reference.transports.http.faults import ReplyFaults
from reference.transports.http.recorder import ExchangeRecorder
from reference.transports.http.resolver import FamilyResolver
from reference.transports.http.shortcut import RouterShortcut
from reference.transports.http.specs import joined_spec, validate_each_spec_once
from reference.transports.http.validation import make_body_validator
from reference.transports.soap.front import soap_routes

#: How ``imgcloud serve`` hands its configuration to each uvicorn worker (``sim.server.asgi_factory``).
CONFIG_ENV = "IMGCLOUD_CONFIG"
OVERRIDES_ENV = "IMGCLOUD_OVERRIDES"  # JSON merged over the config file (``imgcloud serve`` flags)

#: What ``sim`` lends a sandbox: named actors (``sandbox.actors``) that control operations call.
Actors = Mapping[str, Callable[..., Any]]


def build_connexion_app(sandbox: Sandbox, router: FamilyRouter) -> ASGIApp:
    """Connexion serving the joined spec, behind the fast lane of the hottest operations
    (``fastlane.py``: the same spec, validator, handlers and error boundary, without the stack)."""
    families = all_families()
    joined = joined_spec(families)
    validate_each_spec_once()
    jsonifier = Jsonifier(json, ensure_ascii=False)
    resolver = FamilyResolver(families, joined.owners)
    validator = make_body_validator(sandbox.config)
    app = connexion.AsyncApp(__name__, jsonifier=jsonifier)
    app.add_api(
        joined.spec,
        resolver=resolver,
        validator_map={"body": {"application/json": validator}},
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),
    )
    boundary = make_boundary(sandbox, router, joined)
    for exc in (NativeError, ProblemException, HTTPException, Exception):
        app.add_error_handler(exc, boundary)
    return FastLane(app, lanes(joined, resolver, jsonifier), validator, boundary)


def create_app(config: Config | None = None, *, clock: Clock | None = None, sandbox: Sandbox | None = None,
               actors: Actors | None = None) -> ASGIApp:
    """The ASGI app serving every family, recording every exchange."""
    sandbox = sandbox or Sandbox.open(config or load_config(), clock=clock)
    sandbox.actors.update(actors or {})
    families = all_families()
    router = FamilyRouter(families)
    served: ASGIApp = build_connexion_app(sandbox, router)
    if any(p.reply_faults for p in sandbox.config.parties.values()):  # a deliberately non-conforming sandbox
        served = ReplyFaults(served, sandbox.config, router)
    app = RouterShortcut(Router(routes=[Mount("/_sandbox/docs", docs_app(families, sandbox))], default=served))
    http = ExchangeRecorder(app, sandbox, router)
    soap = soap_routes(sandbox, families)  # SOAP services record their own exchanges (transport soap)
    return AdminGuard(RouterShortcut(Router(routes=soap, default=http)) if soap else http, sandbox.config)


def start_dicom(sandbox: Sandbox) -> list[Any]:
    """Start every family's DICOM services whose party is simulated (``RunningScp`` each)."""
    from reference.transports.dicom.scp import start_all

    return start_all(sandbox, [(s.party, s.starter()) for f in all_families() for s in f.dicom])
