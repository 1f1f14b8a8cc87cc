"""The SOAP transport's one error boundary: every exception becomes a reply here.

- a refusal of the call itself (``SoapFault``: not SOAP 1.1, not this service's operation) or
  of its XML (``XmlRefused``: malformed, a DOCTYPE or entity, too large or deep) -> a SOAP 1.1
  Fault, HTTP 500 (413 when too large), SOAP 1.1 §6.2;
- a handler's ``NativeError`` -> the operation's own failure reply (the family's
  ``soap_error``: 004's ``<response><code/><desc/></response>``), HTTP 200, as the documents'
  services answer;
- anything else (a bug) -> a Server Fault naming SANDBOX-INTERNAL; never a stack trace.

Either way the findings go to the exchange record.
"""
from __future__ import annotations

import logging

from reference.config import Config
from reference.errors import NativeError
from reference.exchanges import ExchangeDraft
from reference.families import Family
from reference.rules import RULES

from . import envelope
from .envelope import SoapFault
from .wsdl import Operation
from .xml import XmlRefused

logger = logging.getLogger("imgcloud.soap")


def answer(exc: Exception, *, family: Family, operation: Operation | None, namespace: str, config: Config,
           draft: ExchangeDraft) -> tuple[int, bytes]:
    """``(HTTP status, body)`` for ``exc``, its findings added to ``draft``."""
    if isinstance(exc, XmlRefused):
        exc = SoapFault(exc.findings)
    if isinstance(exc, SoapFault):
        draft.add(exc.findings)
        too_large = any(f.rule == "XML-TOO-LARGE" for f in exc.findings)
        return (413 if too_large else 500), envelope.fault(exc.code, exc.findings)
    if isinstance(exc, NativeError):
        draft.add(exc.findings)
        if operation is not None and family.soap_error is not None:
            return 200, envelope.reply(operation, namespace, family.soap_error(operation.name, exc.findings, config))
        return 500, envelope.fault("Client", exc.findings)
    logger.exception("unhandled error serving SOAP %s %s", family.name, operation.name if operation else "?", exc_info=exc)
    findings = [RULES.finding("SANDBOX-INTERNAL", error=type(exc).__name__)]
    draft.add(findings)
    return 500, envelope.fault("Server", findings)
