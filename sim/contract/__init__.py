"""Contract testing of an external system (``imgcloud contract test``): the flows that involve its
party run against it, and a verdict per interface and seed section is written as JUnit, JSON and
a plain HTML table (``report.py``)."""
from __future__ import annotations

from .run import FLOWS, ContractResult, Interface, external, run_contract

__all__ = ["FLOWS", "ContractResult", "Interface", "external", "run_contract"]
