"""One verdict table per transport: how an exchange's verdict follows from its findings and
status (STYLE.md: a fixed result vocabulary and one roll-up rule, Inferno ``result.rb``).

- ``pass``: nothing found; ``warn``: warnings only; ``fail``: the peer did something wrong
  (an error finding, or a failure status it answered with); ``error``: the exchange could
  not be judged — the sandbox failed (``SANDBOX-INTERNAL``) or the peer never answered.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from reference.rules import Finding, verdict_of
from reference.transports.dicom.status import is_failure

from .record import ExchangeDraft

VERDICTS = ("pass", "warn", "fail", "error")
#: Findings that mean the exchange could not be judged at all.
UNJUDGED = frozenset({"SANDBOX-INTERNAL", "SANDBOX-BUSY", "SIM-PEER-UNREACHABLE"})
DIMSE = ("C-ECHO", "C-FIND", "C-GET", "C-MOVE", "C-STORE")

Table = Callable[[ExchangeDraft, "int | None"], str]


def _unjudged(findings: Sequence[Finding]) -> bool:
    return any(f.rule in UNJUDGED for f in findings)


def http_verdict(draft: ExchangeDraft, status: int | None) -> str:
    """HTTP: the findings decide; an outbound call with no answer at all is ``error``."""
    if _unjudged(draft.findings) or (draft.direction == "outbound" and status is None):
        return "error"
    return verdict_of(draft.findings)


def dicom_verdict(draft: ExchangeDraft, status: int | None) -> str:
    """DICOM: a DIMSE failure status (PS3.7 Annex C) is at least ``fail`` even when no rule
    named it; a DIMSE operation we called that got no response is ``error``.  Association
    records (A-ASSOCIATE) carry a reject reason, not a DIMSE status: their findings decide."""
    if _unjudged(draft.findings):
        return "error"
    found = verdict_of(draft.findings)
    if draft.operation not in DIMSE:
        return found
    if status is None:
        return "error" if draft.direction == "outbound" else found
    return "fail" if is_failure(status) else found


def soap_verdict(draft: ExchangeDraft, status: int | None) -> str:
    """SOAP: the findings decide; a Fault (HTTP 5xx) no rule named is at least ``fail``; a call we
    made that got no answer is ``error``.  (An operation's own failure reply, 004's
    ``<response>`` with a code other than 0, carries the findings that chose the code.)"""
    if _unjudged(draft.findings) or (draft.direction == "outbound" and status is None):
        return "error"
    found = verdict_of(draft.findings)
    return "fail" if status is not None and status >= 500 and found != "fail" else found



def sql_verdict(draft: ExchangeDraft, status: int | None) -> str:
    """SQL (``reference/transports/sql``): a read that got no answer (unreachable, timed out;
    status ``None``) is ``error``; a statement the database refused (status 1: no such view or
    column) carries the error finding that names it, so the findings decide."""
    if _unjudged(draft.findings) or status is None:
        return "error"
    return verdict_of(draft.findings)



TABLES: dict[str, Table] = {"http": http_verdict, "dicom": dicom_verdict, "soap": soap_verdict, "sql": sql_verdict}


def verdict(draft: ExchangeDraft, status: int | None) -> str:
    return TABLES[draft.transport](draft, status)
