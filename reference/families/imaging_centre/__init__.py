"""Imaging centre family (``openapi/imaging-centre.yaml``), provider ``imaging_centre``.

seeds/002 §二 (saveExamRpotImgInfo) and seeds/000 §1.3–1.4 (the image download
service at ``imgDldLink``); decisions in INTERFACES.md §2 and flow A.
"""
from __future__ import annotations

from reference.families import Family
from reference.families.nhsa_index.envelope import error

FAMILY = Family(
    name="imaging-centre",
    title="地方影像云数据共享中心 imaging centre",
    party="imaging_centre",
    prefixes=("/mie/api/mie/saveExamRpotImgInfo", "/centre/"),
    error=error,
)
