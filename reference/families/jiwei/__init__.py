"""The primary-care HIS platform, 基卫 (provider ``jiwei``; seeds/004 §3.1, INTERFACES.md §5): the
apply-form query, AES/ECB/PKCS5 in and out (``openapi/jiwei.yaml``)."""
from __future__ import annotations

from reference.families import Family

from . import replies

FAMILY = Family(
    name="jiwei",
    title="基卫系统 primary-care platform apply forms",
    party="jiwei",
    contract="jiwei.yaml",
    handlers="reference.families.jiwei.handlers",
    control="reference.families.jiwei.control",
    error=replies.error,
    media_type=replies.MEDIA_TYPE,
    callers=("hospital",),
    sim_cli="sim.cli.aes",
    sim_cli_name="aes",
)
