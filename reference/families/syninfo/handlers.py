"""Operations of ``openapi/soap/syninfo.wsdl``, one function per WSDL operation."""
from __future__ import annotations

from reference.errors import NativeError
from reference.rules import RULES
from reference.transports.soap.envelope import SoapFault
from reference.transports.soap.front import SoapContext
from reference.transports.soap.xml import XmlRefused

from . import document, replies, service


def SynApplyInfo(ctx: SoapContext) -> str:
    """同步申请单信息（必需） — seeds/004 §3.4.1.1: INSERT / UPDATE / DELETE an apply form."""
    text = ctx.params.get("req", "")
    if not text.strip():
        raise SoapFault([RULES.finding("SOAP-PARAM-MISSING", path="Envelope/Body/SynApplyInfo/req",
                                       operation="SynApplyInfo", param="req")])
    try:
        doc, findings = document.read(ctx.sandbox.config, text)
    except XmlRefused as exc:  # the envelope was fine: the apply form is 传入信息有误 (-3)
        raise NativeError(exc.findings) from None
    if doc.institution is not None:
        ctx.exchange.institution = doc.institution.code
    if any(f.is_error for f in findings):
        raise NativeError(findings)
    service.apply(ctx.sandbox, doc, text, findings)
    ctx.exchange.add(findings)
    return replies.success()
