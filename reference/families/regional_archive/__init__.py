"""The regional platform's cloud archive (provider ``regional_platform``; seeds/004 §3.2.3.2,
INTERFACES.md §5): today its DICOM archive SCP (``archive.py``: C-STORE after the exam is
registered, Q/R of what it holds).  Its REST contract (``openapi/regional-archive.yaml``) and
the SOAP WebService join when that family is built."""
from __future__ import annotations

from reference.families import DicomService, Family
from reference.transports.http import plain

from .archive import start_archive

FAMILY = Family(
    name="regional-archive",
    title="市级远程影像平台 regional platform archive",
    party="regional_platform",
    error=plain.error,
    dicom=(DicomService("regional_platform", start_archive),),
)
