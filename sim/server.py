"""The sandbox as ``sim`` serves it: the reference app with the simulated parties' actors lent
(``sim.actors.ACTORS``), for ``imgcloud serve`` (each uvicorn worker calls ``asgi_factory``),
the scenario runner and the tests."""
from __future__ import annotations

import json
import os

from starlette.types import ASGIApp

from reference.app import CONFIG_ENV, OVERRIDES_ENV
from reference.app import create_app as create_reference_app
from reference.clock import Clock
from reference.config import Config, load_config
from reference.sandbox import Sandbox

from .actors import ACTORS


def create_app(config: Config | None = None, *, clock: Clock | None = None, sandbox: Sandbox | None = None) -> ASGIApp:
    """Every family served, the simulated parties able to act."""
    return create_reference_app(config, clock=clock, sandbox=sandbox, actors=ACTORS)


def asgi_factory() -> ASGIApp:
    """Entry point for ``uvicorn --factory`` (each worker): config from ``IMGCLOUD_CONFIG``."""
    overrides = json.loads(os.environ.get(OVERRIDES_ENV) or "{}")
    return create_app(load_config(os.environ.get(CONFIG_ENV) or None, **overrides))
