"""The sandbox's own control API (``openapi/sandbox.yaml``): health and the exchange log here;
the control operations of each simulated party are implemented by that party's family
(its ``control`` module), found by ``operationId``."""
from __future__ import annotations

from reference.families import Family
from reference.transports.http import plain

FAMILY = Family(
    name="sandbox",
    title="sandbox control API",
    party="sandbox",
    contract="sandbox.yaml",
    handlers="reference.families.sandbox_api.handlers",
    error=plain.error,
    fallback=True,
    sim_steps="sim.scenario.control",  # sandbox.fault, sandbox.party… (issue 13)
    sim_cli="sim.cli.record", sim_cli_name="record",  # imgcloud record export (issue 13)
)
