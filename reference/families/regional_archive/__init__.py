"""The regional platform's cloud archive (provider ``regional_platform``; seeds/004 §3.2, §3.4.3,
INTERFACES.md §5): its REST API (``openapi/regional-archive.yaml``: getToken, exam/push,
exam/uploadStatistics, the report list page), its DICOM archive SCP (``archive.py``: C-STORE
after the push, Q/R of what it holds; ``qr_pull.py``: Q/R mode from the hospital's gateway),
statistics reconciliation, and the SynStatusInfo calls to the HIS (``notify.py``).  Its SOAP
WebService SynApplyInfo is the family ``syninfo``."""
from __future__ import annotations

from reference.families import DicomService, Family

from . import envelope

FAMILY = Family(
    name="regional-archive",
    title="市级远程影像平台 regional platform archive",
    party="regional_platform",
    contract="regional-archive.yaml",
    handlers="reference.families.regional_archive.handlers",
    control="reference.families.regional_archive.control",
    error=envelope.error,
    media_type=envelope.MEDIA_TYPE,
    dicom=(DicomService("regional_platform", "reference.families.regional_archive.archive:start_archive"),),
    callers=("hospital",),
    links={"rsa public key": "/_sandbox/regional-platform/rsa-public-key"},
    sim_steps="sim.scenario.flow_d",
    sim_cli="sim.cli.rsa",
    sim_cli_name="rsa",
)
