"""The imaging-cloud gateway in the hospital (前置机, provider ``gateway``; seeds/001, INTERFACES.md
§4): today its DICOM storage SCP (``store.py``, the destination of its C-MOVEs) and the study
collector (``collector.py``: C-MOVE or WADO-URI from the hospital PACS).  Its HTTP contract
(``openapi/gateway.yaml``: QR film, plug-in, image deletion) joins when that family is built."""
from __future__ import annotations

from reference.families import DicomService, Family
from reference.transports.http import plain

from .store import start_gateway_store

FAMILY = Family(
    name="gateway",
    title="医保影像云前置机 imaging-cloud gateway",
    party="gateway",
    error=plain.error,
    dicom=(DicomService("gateway", start_gateway_store),),
)
