"""National index family (``openapi/nhsa-index.yaml``), provider ``province_index``.

seeds/000 §1.1–1.2 and seeds/002 §三; decisions in INTERFACES.md §1.
"""
from __future__ import annotations

from reference.families import Family

from .envelope import error

FAMILY = Family(
    name="nhsa-index",
    title="医保影像云索引共享 national index",
    party="province_index",
    prefixes=("/mie/api/mie/saveExamRpotImgIndx", "/mie/api/mie/deleteExamRpotImgIndx"),
    error=error,
)
