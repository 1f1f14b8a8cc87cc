"""``reference.transports.http.wire``: a response's head and body leave in one write, in order, on
every kind of HTTP/1.1 exchange uvicorn serves (``imgcloud serve`` and the scenario runner's sandbox)."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from reference.transports.http.wire import CoalescingHttpToolsProtocol, CoalescingTransport

BIG = bytes(range(256)) * 3000  # 768 KB: more than a socket takes at once


class Recorded:
    """A transport recording each call that sends bytes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[bytes]]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", [data]))

    def writelines(self, chunks: Any) -> None:
        self.calls.append(("writelines", list(chunks)))

    def close(self) -> None:
        self.calls.append(("close", []))
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str) -> str:
        return f"info {name}"


@pytest.fixture()
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def _turn(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0))


def test_a_head_and_its_body_are_one_writelines(loop: asyncio.AbstractEventLoop) -> None:
    raw = Recorded()
    wire = CoalescingTransport(raw, loop)  # type: ignore[arg-type]
    wire.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert raw.calls == []
    wire.write(b"body")
    assert raw.calls == [("writelines", [b"HTTP/1.1 200 OK\r\n\r\n", b"body"])]
    _turn(loop)
    assert len(raw.calls) == 1  # the scheduled flush finds nothing held


def test_a_lone_write_leaves_on_the_next_turn(loop: asyncio.AbstractEventLoop) -> None:
    raw = Recorded()
    wire = CoalescingTransport(raw, loop)  # type: ignore[arg-type]
    wire.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    _turn(loop)
    assert raw.calls == [("write", [b"HTTP/1.1 100 Continue\r\n\r\n"])]


def test_close_sends_what_is_held_first_and_a_closing_transport_gets_nothing(loop: asyncio.AbstractEventLoop) -> None:
    raw = Recorded()
    wire = CoalescingTransport(raw, loop)  # type: ignore[arg-type]
    wire.write(b"head")
    wire.close()
    assert raw.calls == [("write", [b"head"]), ("close", [])]
    wire.write(b"late")
    _turn(loop)
    assert raw.calls[-1] == ("close", [])
    assert wire.get_extra_info("peername") == "info peername"


def test_writelines_keeps_the_order(loop: asyncio.AbstractEventLoop) -> None:
    raw = Recorded()
    wire = CoalescingTransport(raw, loop)  # type: ignore[arg-type]
    wire.write(b"1")
    wire.writelines([b"2", b"3"])
    assert raw.calls == [("write", [b"1"]), ("writelines", [b"2", b"3"])]


async def _big(request: Request) -> Response:
    await request.body()
    return Response(BIG, media_type="application/octet-stream")


async def _stream(request: Request) -> StreamingResponse:
    async def chunks() -> Any:
        for i in range(3):
            yield f"chunk{i};".encode()
            await asyncio.sleep(0.01)
    return StreamingResponse(chunks(), media_type="text/plain")


async def _echo(request: Request) -> Response:
    return Response(await request.body(), media_type="application/octet-stream")


async def _small(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


APP = Starlette(routes=[Route("/big", _big, methods=["GET", "HEAD"]), Route("/stream", _stream),
                        Route("/echo", _echo, methods=["POST"]), Route("/small", _small, methods=["GET", "HEAD"])])


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(APP, http=CoalescingHttpToolsProtocol, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _exchange(port: int, raw: bytes, *, expect_continue: bytes | None = None) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        if expect_continue is None:
            conn.sendall(raw)
        else:
            conn.sendall(raw)
            assert conn.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
            conn.sendall(expect_continue)
        out = b""
        while chunk := conn.recv(1 << 20):
            out += chunk
    return out


def _responses(out: bytes) -> list[tuple[bytes, bytes]]:
    """(head, body) of each response in ``out`` (Content-Length or chunked)."""
    found = []
    while out:
        head, _, rest = out.partition(b"\r\n\r\n")
        headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:])
        if b"content-length" in headers:
            size = int(headers[b"content-length"])
            body, out = rest[:size], rest[size:]
        else:
            body, out = rest.split(b"0\r\n\r\n", 1)
        found.append((head, body))
    return found


def test_pipelined_requests_are_answered_whole_and_in_order(port: int) -> None:
    out = _exchange(port, b"GET /small HTTP/1.1\r\nHost: x\r\n\r\n"
                          b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n"
                          b"GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    replies = _responses(out)
    assert [body for _, body in replies] == [b"hello", BIG, b"hello"]
    assert all(head.startswith(b"HTTP/1.1 200 OK") for head, _ in replies)


def test_head_has_no_body_and_the_next_request_is_answered(port: int) -> None:
    out = _exchange(port, b"HEAD /big HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, rest = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and f"content-length: {len(BIG)}".encode() in head
    assert rest.startswith(b"HTTP/1.1 200 OK") and rest.endswith(b"\r\n\r\nhello")


def test_expect_100_continue_and_a_streamed_reply(port: int) -> None:
    body = b"z" * 5000
    out = _exchange(port, b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n"
                          b"Content-Length: 5000\r\n\r\n", expect_continue=body)
    assert out.startswith(b"HTTP/1.1 200 OK") and out.endswith(b"\r\n\r\n" + body)
    streamed = _exchange(port, b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"transfer-encoding: chunked" in streamed
    assert streamed.endswith(b"7\r\nchunk2;\r\n0\r\n\r\n") and b"chunk0;" in streamed and b"chunk1;" in streamed
