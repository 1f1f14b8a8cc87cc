"""SynApplyInfo, the regional platform's SOAP WebService (provider ``regional_platform``;
seeds/004 §3.4.1.1, INTERFACES.md §5): the HIS inserts, updates and deletes apply forms.
Contract: ``openapi/soap/syninfo.wsdl`` and the XSDs of its documents beside it."""
from __future__ import annotations

from reference.families import Family
from reference.transports.http import plain

from . import replies

FAMILY = Family(
    name="syninfo",
    title="同步申请单信息 SynApplyInfo (SOAP)",
    party="regional_platform",
    error=plain.error,
    handlers="reference.families.syninfo.handlers",
    control="reference.families.syninfo.control",
    wsdl="soap/syninfo.wsdl",
    soap_error=replies.error,
    callers=("hospital",),
)
