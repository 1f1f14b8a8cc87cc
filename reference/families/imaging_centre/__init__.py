"""Imaging centre family (``openapi/imaging-centre.yaml``), provider ``imaging_centre``.

seeds/002 §二 (saveExamRpotImgInfo) and seeds/000 §1.3–1.4 (the image download service at
``imgDldLink``); decisions in INTERFACES.md §2 and flow A.  The centre speaks the national
envelope (``reference.national``) and calls the national index (``index_client.py``).
"""
from __future__ import annotations

from reference.families import Family
from reference.national import replies

FAMILY = Family(
    name="imaging-centre",
    title="地方影像云数据共享中心 imaging centre",
    party="imaging_centre",
    contract="imaging-centre.yaml",
    handlers="reference.families.imaging_centre.handlers",
    control="reference.families.imaging_centre.control",
    error=replies.error,
    callers=("hospital",),
    sim_steps="sim.scenario.flow_a",
)
