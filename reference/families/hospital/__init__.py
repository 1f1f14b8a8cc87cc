"""The simulated hospital (provider ``hospital``): its file and WADO-URI service
(``openapi/hospital.yaml``, sandbox-defined; INTERFACES.md §2, §4) and its PACS SCP
(seeds/001 §4.2, ``pacs.py``).  Generating and uploading exams is the hospital's actor in
``sim`` (``sim.actors``), lent to the sandbox and started by the control operation
``hospitalUpload``."""
from __future__ import annotations

from reference.families import DicomService, Family
from reference.transports.http import plain

FAMILY = Family(
    name="hospital",
    title="医疗机构文件与WADO hospital files and WADO-URI",
    party="hospital",
    contract="hospital.yaml",
    handlers="reference.families.hospital.handlers",
    control="reference.families.hospital.control",
    error=plain.error,
    dicom=(DicomService("hospital", "reference.families.hospital.pacs:start_pacs"),),
    sim_cli="sim.cli.hospital",
    sim_cli_name="hospital",
)
