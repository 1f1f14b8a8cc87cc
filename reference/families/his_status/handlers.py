"""Operations of ``openapi/soap/his-status.wsdl`` (the simulated HIS), one per WSDL operation."""
from __future__ import annotations

from lxml import etree

from reference.config import ValidationMode
from reference.errors import NativeError
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import HisStatusReceived
from reference.transports.soap import documents, xml
from reference.transports.soap.envelope import SoapFault
from reference.transports.soap.front import SoapContext

from . import replies

XSD = "soap/his-status-status.xsd"
WHAT = "inputString（检查状态 XmlDocument）"


def _read(text: str, mode: ValidationMode) -> tuple[etree._Element | None, list[Finding]]:
    """The document, repairing 004's own sample's spaced tags in lenient mode (named either way)."""
    try:
        return xml.parse(text, what=WHAT, path="inputString"), []
    except xml.XmlRefused as exc:
        repaired, repairs = xml.repair_tag_spaces(text)
        if not repairs or exc.findings[0].rule != "XML-MALFORMED":
            return None, exc.findings
        named = [RULES.finding("XML-TAG-SPACE", mode=mode, path="inputString", line=r.line, column=r.column,
                               original=r.original, repaired=r.repaired) for r in repairs]
        if mode == "strict":
            return None, [*exc.findings, *named]
        try:
            return xml.parse(repaired, what=WHAT, path="inputString"), named
        except xml.XmlRefused as again:
            return None, [*again.findings, *named]


def _keep(sandbox: Sandbox, hospital: str, root: etree._Element | None, findings: list[Finding]) -> None:
    exam = root.find("Exam") if root is not None else None
    status = exam.find("ExamStatus") if exam is not None else None
    with sandbox.db.session() as session:
        session.add(HisStatusReceived(  # what a refused document holds is cut to the columns
            hospital=hospital, exam_no=xml.text_of(exam.find("ExamNo"))[:64] if exam is not None else None,
            apply_no=xml.text_of(exam.find("ApplyNo"))[:64] if exam is not None else None,
            status_code=(status.get("code") or "")[:8] if status is not None else None,
            accepted=0 if any(f.is_error for f in findings) else 1,
            fields=xml.as_dict(root) if root is not None else {}, findings=[f.to_dict() for f in findings],
            received_at=sandbox.now()))


def SynStatusInfo(ctx: SoapContext) -> str:
    """同步检查状态信息（按需） — seeds/004 §3.4.2.1: the platform tells the HIS where the exam is."""
    sandbox, hospital = ctx.sandbox, ctx.path_params.get("hospital", "")
    text = ctx.params.get("inputString", "")
    if not text.strip():
        raise SoapFault([RULES.finding("SOAP-PARAM-MISSING", path="Envelope/Body/SynStatusInfo/inputString",
                                       operation="SynStatusInfo", param="inputString")])
    inst = sandbox.config.institution(hospital)
    if inst is None or inst.kind != "hospital":
        raise NativeError([RULES.finding("HTTP-NOT-FOUND", method="POST", url=f"/his/{hospital}/SynStatusInfo")])
    ctx.exchange.institution = inst.code
    mode = sandbox.config.mode_for(inst.code)
    root, findings = _read(text, mode)
    if root is not None:
        root, more = documents.check(root, XSD, mode=mode)
        findings += more
    _keep(sandbox, inst.code, root, findings)
    if root is None or any(f.is_error for f in findings):
        raise NativeError(findings)
    ctx.exchange.add(findings)
    return replies.success()
