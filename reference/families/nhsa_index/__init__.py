"""National index family (``openapi/nhsa-index.yaml``), provider ``province_index``.

seeds/000 §1.1–1.2 and seeds/002 §三; decisions in INTERFACES.md §1.  The envelope, the row
rules and msgid idempotency are the national ones (``reference.national``); the province's
pull of the images is ``pull.py`` (with ``download_client.py``)."""
from __future__ import annotations

from reference.families import Family
from reference.national import replies

FAMILY = Family(
    name="nhsa-index",
    title="医保影像云索引共享 national index",
    party="province_index",
    contract="nhsa-index.yaml",
    handlers="reference.families.nhsa_index.handlers",
    control="reference.families.nhsa_index.control",
    error=replies.error,
    callers=("imaging_centre",),
    sim_steps="sim.scenario.nhsa_index",
)
