"""The simulated hospital's file and WADO-URI service (``openapi/hospital.yaml``)."""
from __future__ import annotations

from reference.families import Family
from reference.families.sandbox_api import error

FAMILY = Family(name="hospital", title="医疗机构文件与WADO hospital files and WADO-URI", party="hospital",
                prefixes=("/hospital/",), error=error)
