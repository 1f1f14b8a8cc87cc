"""The business error type, independent of any protocol.

A handler or service that must refuse the whole request raises ``NativeError`` with the
findings that say why; each transport's one error boundary turns it into the family's native
reply in that transport's media type (a JSON envelope, an HTML page, a DICOM status…).
"""
from __future__ import annotations

from collections.abc import Sequence

from reference.rules import Finding


class NativeError(Exception):
    """Reject the whole request with these findings, in the family's own error reply."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__("; ".join(f.text() for f in findings))
        self.findings = list(findings)
