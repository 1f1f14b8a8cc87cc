"""The SOAP transport's recorder: the request body read up to a bound, and the exchange written
through ``reference.exchanges.recording`` once the reply is sent (transport ``soap``)."""
from __future__ import annotations

from starlette.requests import Request

from reference.exchanges import Recording, body_record
from reference.sandbox import Sandbox


async def read_body(request: Request, limit: int) -> tuple[bytes, int | None]:
    """``(body, None)``, or ``(first bytes, size so far)`` when the body exceeds ``limit``
    (reading stops there: a hostile client cannot make us hold more)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return b"", int(declared)
    kept = bytearray()
    async for chunk in request.stream():
        kept.extend(chunk)
        if len(kept) > limit:
            return bytes(kept[:limit]), len(kept)
    return bytes(kept), None


def finish(sandbox: Sandbox, record: Recording, request: Request, raw: bytes, status: int, body: bytes,
           media_type: str) -> None:
    cfg = sandbox.config.exchange_log
    query = request.url.query
    record.finish(
        method=request.method, url=request.url.path + (f"?{query}" if query else ""), status=status,
        request={"headers": {"content-type": request.headers.get("content-type"),
                             "soapaction": request.headers.get("soapaction")},
                 **body_record(raw, request.headers.get("content-type"), limit=cfg.body_limit, head=cfg.head_bytes)},
        response={"headers": {"content-type": media_type},
                  **body_record(body, media_type, limit=cfg.body_limit, head=cfg.head_bytes)},
    )
