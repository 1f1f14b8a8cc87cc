"""One HTTP request through an ASGI app in this process, no socket: what the in-process CPU
benchmarks (``lane_cpu_bench.py``, ``save_profile.py``) drive the sandbox's app with."""
from __future__ import annotations

import asyncio
from typing import Any


async def post(app: Any, path: str, body: bytes, *, keep_body: bool = True) -> tuple[int, bytes]:
    """POST ``body`` (JSON) to ``path``; the reply's status and body (``b""`` unless ``keep_body``:
    a benchmark of a large reply then does not count collecting it)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}
    sent = False
    out: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:  # the request is whole: wait as a server does for a disconnect that never comes
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif keep_body and message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["body"]
