"""What the sandbox's HTTP server writes to a connection: a response's head and body in one write.

uvicorn writes a response's status line and headers when the app sends ``http.response.start``, and
its body when the app sends ``http.response.body`` — two ``write``s, two system calls, two wake-ups of
the client for every reply (no ASGI app can merge them).  For the province's ``queryImgCahe`` under load
the socket writes were a third of the served process's CPU samples (docs/performance.md, ninth
sitting).  ``CoalescingHttpToolsProtocol`` gives each request's cycle a transport that holds a write
until the next one, sending both with one ``writelines`` (one ``writev`` on uvloop), or until the event
loop's next turn: nothing waits longer than the step that wrote it, and the bytes keep their order.
"""
from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CoalescingTransport:
    """A connection's transport as one request's cycle sees it: a write is held until the next write
    (both sent at once) or the loop's next turn; everything else is the transport's own."""

    __slots__ = ("_transport", "_loop", "_held")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        held = self._held
        if held is None:
            self._held = data if isinstance(data, bytes) else bytes(data)  # uvicorn's are bytes: no copy
            self._loop.call_soon(self.flush)
            return
        self._held = None
        self._transport.writelines((held, data))

    def flush(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def writelines(self, chunks: Any) -> None:
        self.flush()
        self._transport.writelines(chunks)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # is_closing, get_extra_info, pause_reading, …
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol whose request cycles write through a ``CoalescingTransport``."""

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and not isinstance(cycle.transport, CoalescingTransport):
            cycle.transport = CoalescingTransport(self.transport, self.loop)  # type: ignore[assignment]
