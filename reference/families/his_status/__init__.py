"""The HIS's status service, SynStatusInfo (provider ``hospital``; seeds/004 §3.4.2.1,
INTERFACES.md §5): the regional platform calls it as the exam moves; the simulated HIS answers
and keeps what it received (``/_sandbox/state/his/{hospital}/status-received``).  Contract:
``openapi/soap/his-status.wsdl``.  (Its own package: the hospital's other services are the
family ``hospital``.)"""
from __future__ import annotations

from reference.families import Family
from reference.transports.http import plain

from . import replies

FAMILY = Family(
    name="his-status",
    title="同步检查状态信息 SynStatusInfo (HIS, SOAP)",
    party="hospital",
    error=plain.error,
    handlers="reference.families.his_status.handlers",
    control="reference.families.his_status.control",
    wsdl="soap/his-status.wsdl",
    soap_error=replies.error,
)
