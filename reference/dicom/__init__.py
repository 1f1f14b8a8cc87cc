"""DICOM networking (INTERFACES.md §4–5): the hospital PACS SCP (seeds/001 §4.2), the cloud
archive SCP (seeds/004 §3.2.3.2), the gateway's storage SCP, the SCU client and the study
collector.  Built on pynetdicom; handlers are bound to events as data (``scp.py``)."""
from __future__ import annotations
