"""What one exchange record holds while it is being made: the draft a handler fills in, and
bodies as the log keeps them (whole when small, else size + sha256 + head)."""
from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from reference.rules import Finding

DIRECTIONS = ("inbound", "outbound")
TRANSPORTS = ("http", "dicom", "soap", "sql")  # each with its verdict table (verdicts.py)


def body_record(data: bytes, media_type: str | None, *, limit: int, head: int) -> dict[str, Any]:
    """A body as the log keeps it: whole when small, else size + sha256 + head."""
    record: dict[str, Any] = {"size": len(data), "media_type": media_type}
    if len(data) <= limit:
        record.update(_content(data, media_type))
        return record
    record["sha256"] = hashlib.sha256(data).hexdigest()
    record["truncated"] = True
    record["head"] = data[:head].decode("utf-8", errors="replace")
    return record


def _content(data: bytes, media_type: str | None) -> dict[str, Any]:
    if not data:
        return {"body": None}
    if media_type and "json" in media_type:
        try:
            return {"json": json.loads(data)}
        except (ValueError, RecursionError):  # kept as text: not JSON, or nested past the parser's depth
            pass
    try:
        return {"body": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


@dataclass
class ExchangeDraft:
    """What a handler learns about an exchange while serving it; the recorder saves it."""

    direction: str = "inbound"
    transport: str = "http"
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)
    party: str | None = None
    family: str | None = None
    operation: str | None = None
    institution: str | None = None
    findings: list[Finding] = field(default_factory=list)
    #: ``(sha256, size)`` of a response body the handler already knows (prebuilt replies)
    response_digest: tuple[str, int] | None = None
    #: the fault the sandbox injected into this exchange (``reference.runtime.Fault.mark``), if any
    fault: dict[str, Any] | None = None

    def add(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)
