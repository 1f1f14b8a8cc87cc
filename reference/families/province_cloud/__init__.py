"""Provincial cloud standard interfaces (``openapi/province-cloud.yaml``), provider ``province_cloud``.

seeds/003 (hospital and city-platform editions); decisions in INTERFACES.md §3 and flow C.
"""
from __future__ import annotations

from reference.families import Family

from . import envelope

FAMILY = Family(
    name="province-cloud",
    title="省影像云平台 provincial imaging cloud",
    party="province_cloud",
    contract="province-cloud.yaml",
    handlers="reference.families.province_cloud.handlers",
    control="reference.families.province_cloud.control",
    error=envelope.error,
    media_type=envelope.MEDIA_TYPE,
    callers=("hospital", "city_platform"),
    links={"sm2 public key": "/_sandbox/province-cloud/sm2-public-key"},
    sim_steps="sim.scenario.flow_c",
    sim_cli="sim.cli.sm2",
    sim_cli_name="sm2",
)
