"""Provincial cloud standard interfaces (``openapi/province-cloud.yaml``), provider ``province_cloud``.

seeds/003 (hospital and city-platform editions); decisions in INTERFACES.md §3 and flow C.
"""
from __future__ import annotations

from reference.families import Family

from .envelope import error

FAMILY = Family(
    name="province-cloud",
    title="省影像云平台 provincial imaging cloud",
    party="province_cloud",
    prefixes=("/interface/", "/film/"),
    error=error,
)
