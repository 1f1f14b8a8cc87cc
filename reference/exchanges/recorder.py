"""The one way an exchange record is written, by every transport and both directions.

``recording(sandbox, draft)`` starts the clock; ``Recording.finish(...)`` applies the
transport's verdict table (``verdicts.py``) and queues the record on the sandbox's log.
Inbound HTTP (``transports/http/recorder.py``), outbound HTTP (``transports/http/client.py``),
the DICOM SCPs (``transports/dicom/recorder.py``) and the DICOM client all go through it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .masking import LONG, mask, mask_json, mask_text
from .record import ExchangeDraft, Sealed, Serialized
from .verdicts import verdict

if TYPE_CHECKING:
    from reference.config.model import ExchangeLogConfig
    from reference.sandbox import Sandbox


@dataclass
class Recording:
    """One exchange under way.  Without a sandbox (a CLI client outside any sandbox) nothing
    is written, but the draft still collects its findings."""

    sandbox: Sandbox | None
    draft: ExchangeDraft
    started_at: datetime | None = None
    t0: float = field(default_factory=time.perf_counter)
    finished: bool = False

    def finish(self, *, method: str | None, url: str | None, status: int | None,
               request: dict[str, Any], response: dict[str, Any]) -> str:
        """Judge and queue the record (once); returns its uid."""
        if self.sandbox is None or self.finished:
            return self.draft.uid
        self.finished = True
        cfg = self.sandbox.config.exchange_log
        if isinstance(response, Sealed) and (self.draft.fault is not None or response.fields != sealing(cfg)):
            response = response.source  # masked and marked as any other record
        if isinstance(request, Sealed) and request.fields != sealing(cfg):
            request = request.source
        if self.draft.fault is not None:  # every injected fault is marked on its exchange
            response = {**response, "fault": self.draft.fault}
        if cfg.mask_secrets:
            request = request if isinstance(request, Sealed) else _masked(request, cfg.secret_fields)
            response = response if isinstance(response, Sealed) else _masked(response, cfg.secret_fields)
            url = mask_text(url, cfg.secret_fields) if url else url
        self.sandbox.exchanges.write({
            "uid": self.draft.uid, "time": self.started_at, "direction": self.draft.direction,
            "transport": self.draft.transport, "party": self.draft.party, "family": self.draft.family,
            "operation": self.draft.operation, "institution": self.draft.institution, "method": method,
            "url": url, "status": status, "verdict": verdict(self.draft, status),
            "duration_ms": round((time.perf_counter() - self.t0) * 1000, 3),
            "request": request, "response": response, "findings": [f.to_dict() for f in self.draft.findings],
        })
        return self.draft.uid


def _masked(body: dict[str, Any], fields: list[str]) -> Any:
    """A body record masked: as the JSON text the log stores when it is JSON (masked in the text where
    it can be, ``mask_json``), else walked.  A body large enough to hold a long string (a binary
    body's base64, a file's inside a JSON reply) has those no masking pattern can change set aside
    while it is judged (``mask_json``'s ``large``): base64's letters spell a field's name by chance
    often enough (``key`` about once in 40 KB) to send the body to the walk and every pattern over
    its whole text — ~1 ms of a ``queryExamPdfData`` reply's 40 KB PDF, ~0.4 ms of each small
    image the province pulls (issue 12)."""
    size = body.get("size")
    large = not isinstance(size, int) or size * 4 >= 3 * LONG  # base64 is 4/3 of the bytes it holds
    text = mask_json(body, fields, large=large)
    return Serialized(text) if text is not None else mask(body, fields)


def sealing(cfg: ExchangeLogConfig) -> frozenset[str] | None:
    """The fields a ``Sealed`` body record must have been masked with to be logged as it is."""
    return frozenset(cfg.secret_fields) if cfg.mask_secrets else None


def recording(sandbox: Sandbox | None, draft: ExchangeDraft) -> Recording:
    """Start timing an exchange now."""
    return Recording(sandbox, draft, started_at=sandbox.now() if sandbox is not None else None)
