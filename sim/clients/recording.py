"""An HTTP client that records every call it makes in the exchange log (direction outbound)."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from reference.exchanges import ExchangeDraft, body_record
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox

#: ``(response) -> findings`` about the peer's answer.
Judge = Callable[[httpx.Response], Sequence[Finding]]


class RecordingClient:
    def __init__(self, sandbox: Sandbox | None, *, party: str, family: str,
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        self.sandbox = sandbox
        self.party, self.family = party, family
        self.http = httpx.Client(timeout=timeout, transport=transport)

    def post_json(self, url: str, body: Any, *, operation: str, institution: str | None = None,
                  judge: Judge | None = None) -> httpx.Response:
        return self.request("POST", url, operation=operation, institution=institution, judge=judge, json=body)

    def get(self, url: str, *, operation: str, institution: str | None = None,
            judge: Judge | None = None) -> httpx.Response:
        return self.request("GET", url, operation=operation, institution=institution, judge=judge)

    def request(self, method: str, url: str, *, operation: str, institution: str | None = None,
                judge: Judge | None = None, **kwargs: Any) -> httpx.Response:
        """Send, judge the answer, record the exchange (direction outbound)."""
        started, t0 = (self.sandbox.clock.now() if self.sandbox else None), time.perf_counter()
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            if self.sandbox is not None:
                self._record_failure(method, url, operation, institution, started, t0, exc)
            raise
        if self.sandbox is not None:
            draft = ExchangeDraft(direction="outbound", party=self.party, family=self.family,
                                  operation=operation, institution=institution)
            draft.add(list(judge(response)) if judge else [])
            self._record(draft, url, started, t0, response)
        return response

    def _record_failure(self, method: str, url: str, operation: str, institution: str | None, started: Any,
                        t0: float, exc: httpx.HTTPError) -> None:
        assert self.sandbox is not None
        draft = ExchangeDraft(direction="outbound", party=self.party, family=self.family, operation=operation,
                              institution=institution, verdict="error")
        draft.add([RULES.finding("SIM-PEER-UNREACHABLE", url=url, detail=f"{type(exc).__name__}: {exc}")])
        self.sandbox.exchanges.record(draft, time=started, method=method, url=url, status=None, request={},
                                      response={}, duration_ms=round((time.perf_counter() - t0) * 1000, 3))

    def _record(self, draft: ExchangeDraft, url: str, started: Any, t0: float, response: httpx.Response) -> None:
        assert self.sandbox is not None
        cfg = self.sandbox.config.exchange_log
        req = response.request
        self.sandbox.exchanges.record(
            draft,
            time=started,
            method=req.method,
            url=url,
            status=response.status_code,
            request=body_record(req.content, req.headers.get("content-type"), limit=cfg.body_limit, head=cfg.head_bytes),
            response=body_record(response.content, response.headers.get("content-type"),
                                 limit=cfg.body_limit, head=cfg.head_bytes),
            duration_ms=round((time.perf_counter() - t0) * 1000, 3),
        )

    def close(self) -> None:
        self.http.close()
