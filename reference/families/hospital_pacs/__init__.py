"""The hospital PACS/RIS as seeds/001 §4.1 has it serve the gateway (provider ``hospital``;
INTERFACES.md §4): the report pull over HTTP (``openapi/hospital-pacs.yaml``) and the same
reports as the SQL view ``View_Pacs_Text_Info`` in the hospital's own database
(``database.py``, created by this family's ``migrations/``).  The PACS's DICOM SCP and
WADO-URI stay with the ``hospital`` family (``pacs.py``, ``openapi/hospital.yaml``).  Exams
happen through the actor ``sim`` lends (control operation ``hospitalExamine``)."""
from __future__ import annotations

from reference.collection import replies
from reference.families import Family

FAMILY = Family(
    name="hospital-pacs",
    title="院内PACS影像诊断报告 hospital PACS report pull (seeds/001 §4.1)",
    party="hospital",
    contract="hospital-pacs.yaml",
    handlers="reference.families.hospital_pacs.handlers",
    control="reference.families.hospital_pacs.control",
    error=replies.error,
    media_type=replies.MEDIA_TYPE,
)
