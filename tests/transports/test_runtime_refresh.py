"""The run-time settings (party switches, faults) are re-read once for all the requests that find
them stale together (``ExchangeRecorder._refreshed``), and what the re-read found applies to each."""
from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx

from reference.runtime import Runtime, parse_fault
from reference.sandbox import Sandbox
from sim.server import create_app

TOKEN = "/interface/getToken"


async def _together(app: Any, count: int) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        return list(await asyncio.gather(*(client.post(TOKEN, json={"uid": "H51080200011"}) for _ in range(count))))


def test_requests_finding_the_settings_stale_together_share_one_re_read(config, monkeypatch):
    sandbox = Sandbox.open(config)
    try:
        app = create_app(sandbox=sandbox)
        calls: list[str] = []
        refresh = Runtime.refresh

        def counted(self: Runtime, *, force: bool = False) -> None:
            calls.append(threading.current_thread().name)
            time.sleep(0.05)  # a slow read: every request below arrives while it runs
            refresh(self, force=force)

        monkeypatch.setattr(Runtime, "refresh", counted)
        sandbox.runtime._loaded_at = -1e9  # stale
        replies = asyncio.run(_together(app, 16))
        assert len(calls) == 1
        assert not sandbox.runtime.stale()
        assert {r.status_code for r in replies} == {replies[0].status_code}
        sandbox.exchanges.flush()
        assert len(sandbox.exchanges.query(operation="getToken", limit=100)) == 16

        sandbox.runtime._loaded_at = -1e9  # stale again: a new re-read, on a new event loop too
        asyncio.run(_together(app, 4))
        assert len(calls) == 2
    finally:
        sandbox.close()


def test_a_fault_set_by_another_worker_applies_after_the_shared_re_read(config):
    sandbox, other = Sandbox.open(config), Sandbox.open(config.model_copy(deep=True))
    try:
        app = create_app(sandbox=sandbox)
        assert {r.status_code for r in asyncio.run(_together(app, 3))} == {200}  # settings read: no fault
        other.runtime.set_faults([parse_fault({"party": "province_cloud", "operation": "getToken", "kind": "status",
                                               "status": 503}, "f1")])
        sandbox.runtime._loaded_at = -1e9  # its TTL past
        replies = asyncio.run(_together(app, 8))
        assert {r.status_code for r in replies} == {503}
        sandbox.exchanges.flush()
        faulted = sandbox.exchanges.query(operation="getToken", limit=100)[:8]
        assert all(e["response"].get("fault", {}).get("id") == "f1" for e in faulted)
    finally:
        other.close()
        sandbox.close()
