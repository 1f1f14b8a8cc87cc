"""The outbound HTTP client: every call a party makes is recorded (direction outbound) through
``reference.exchanges.recording``, with the findings the caller's ``judge`` raised about the
peer's answer — how a real system is contract-tested when its party is external."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from reference import __version__
from reference.exchanges import ExchangeDraft, Recording, body_record, recording
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.validation.replies import check_reply

#: How the sandbox's own calls introduce themselves: the exchange log tells them from a trainee's or a
#: vendor's requests by it (the training mode grades only the others).
USER_AGENT = f"imgcloud-sandbox/{__version__}"

#: ``response.extensions`` key of the uid of the outbound record made of the exchange (when recorded)
OURS = "imgcloud_exchange"
#: ``(response) -> findings`` about the peer's answer.
Judge = Callable[[httpx.Response], Sequence[Finding]]
#: ``(status, body) -> findings`` about a downloaded body.
BodyJudge = Callable[[int, bytes], Sequence[Finding]]


class RecordingClient:
    def __init__(self, sandbox: Sandbox | None, *, party: str, family: str,
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None, shared: bool = False) -> None:
        self.sandbox = sandbox
        self.party, self.family, self.shared = party, family, shared
        self.http = httpx.Client(timeout=timeout, transport=transport,
                                 headers={"user-agent": f"{USER_AGENT} ({party})"})

    def post_json(self, url: str, body: Any, *, operation: str, institution: str | None = None,
                  judge: Judge | None = None) -> httpx.Response:
        return self.request("POST", url, operation=operation, institution=institution, judge=judge, json=body)

    def get(self, url: str, *, operation: str, institution: str | None = None,
            judge: Judge | None = None) -> httpx.Response:
        return self.request("GET", url, operation=operation, institution=institution, judge=judge)

    def request(self, method: str, url: str, *, operation: str, institution: str | None = None,
                judge: Judge | None = None, **kwargs: Any) -> httpx.Response:
        """Send, judge the answer, record the exchange (direction outbound)."""
        record = recording(self.sandbox, ExchangeDraft(direction="outbound", party=self.party, family=self.family,
                                                       operation=operation, institution=institution))
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            record.draft.add([RULES.finding("SIM-PEER-UNREACHABLE", url=url, detail=f"{type(exc).__name__}: {exc}")])
            record.finish(method=method, url=url, status=None, request={}, response={})
            raise
        if self.sandbox is not None:
            record.draft.add(list(judge(response)) if judge else [])
            if self._external(url):
                record.draft.add(check_reply(self.family, operation, response))
            self._finish(record, url, response)
            response.extensions[OURS] = record.draft.uid
        return response

    def _external(self, url: str) -> bool:
        """Whether ``url`` is another system's (an external party's), not this sandbox's own."""
        assert self.sandbox is not None
        own = self.sandbox.config.public_url.rstrip("/")
        return not (url == own or url.startswith(own + "/"))

    def download(self, url: str, *, operation: str, institution: str | None = None, max_bytes: int,
                 seconds: float, judge: BodyJudge | None = None) -> tuple[httpx.Response | None, bytes | None, str | None]:
        """GET ``url`` streamed, stopping at ``max_bytes`` or after ``seconds``: ``(response, body,
        None)``, or ``(response, None, "too-large" | "slow")`` when stopped (the exchange keeps what
        arrived and says why).  Transport errors raise as for ``get``."""
        record = recording(self.sandbox, ExchangeDraft(direction="outbound", party=self.party, family=self.family,
                                                       operation=operation, institution=institution))
        deadline, parts, size, stopped = time.monotonic() + seconds, [], 0, None
        try:
            with self.http.stream("GET", url, timeout=httpx.Timeout(min(seconds, 30.0))) as response:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        stopped = "too-large"
                    elif time.monotonic() > deadline:
                        stopped = "slow"
                    if stopped:
                        break
                    parts.append(chunk)
        except httpx.HTTPError as exc:
            record.draft.add([RULES.finding("SIM-PEER-UNREACHABLE", url=url, detail=f"{type(exc).__name__}: {exc}")])
            record.finish(method="GET", url=url, status=None, request={}, response={})
            raise
        body = b"".join(parts)
        if self.sandbox is not None:
            if judge is not None and not stopped:
                record.draft.add(list(judge(response.status_code, body)))
            cfg = self.sandbox.config.exchange_log
            kept = body_record(body, response.headers.get("content-type"), limit=cfg.body_limit, head=cfg.head_bytes)
            record.finish(method="GET", url=url, status=response.status_code, request={},
                          response={**kept, **({"stopped": stopped, "received": size} if stopped else {})})
        return response, (None if stopped else body), stopped

    def _finish(self, record: Recording, url: str, response: httpx.Response) -> None:
        assert self.sandbox is not None
        cfg = self.sandbox.config.exchange_log
        req = response.request
        record.finish(
            method=req.method, url=url, status=response.status_code,
            request=body_record(req.content, req.headers.get("content-type"), limit=cfg.body_limit, head=cfg.head_bytes),
            response=body_record(response.content, response.headers.get("content-type"),
                                 limit=cfg.body_limit, head=cfg.head_bytes),
        )

    def close(self) -> None:
        """Done with it: a shared client stays open for the next caller (``shutdown`` closes it)."""
        if not self.shared:
            self.http.close()

    def shutdown(self) -> None:
        self.http.close()


def shared_client(sandbox: Sandbox, *, party: str, family: str, timeout: float = 30.0) -> RecordingClient:
    """The one client ``party`` reuses for ``family``'s peers in this process (httpx's pool is
    thread-safe; connections are kept alive): no client, SSL context or connection built per call."""
    return sandbox.shared(("http", party, family, timeout),
                          lambda: RecordingClient(sandbox, party=party, family=family, timeout=timeout, shared=True))
