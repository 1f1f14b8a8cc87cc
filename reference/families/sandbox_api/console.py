"""The sandbox console (issue 13): ``/`` and ``/_sandbox/console`` (the timeline, parties, faults,
report), one exchange in full, and its bodies for download.  What it lists comes from the family
records (``all_families``), never from a list of its own: a new family shows up by being added."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import timedelta
from typing import Any

from connexion.context import context
from starlette.responses import HTMLResponse, JSONResponse, Response

from reference.errors import NativeError
from reference.exchanges import TRANSPORTS, VERDICTS
from reference.families import Family, all_families
from reference.rules import RULES
from reference.runtime import DICOM_KINDS, DICOM_OPERATIONS, HTTP_KINDS, SOAP_KINDS, TOKEN_KINDS
from reference.sandbox import Sandbox
from reference.viewer import render_page

from .near import near_misses
from .present import field_value, show

ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" '
        'fill="#1b5e9a"/><text x="8" y="12" font-size="10" text-anchor="middle" fill="#fff">影</text></svg>')


def _sandbox() -> Sandbox:
    return context["sandbox"]


def family_operations(family: Family) -> list[str]:
    """What a family serves, by the names its exchanges carry: contract operations, SOAP
    operations, DIMSE services."""
    names = [op for op in family.operations() if op not in family.pages()]
    if family.wsdl:
        from reference.transports.soap import wsdl

        names += list(wsdl.load(family.wsdl).operations)
    if family.dicom:
        names += list(DICOM_OPERATIONS)
    return names


def families() -> list[dict[str, Any]]:
    return [{"name": f.name, "title": f.title, "party": f.party, "operations": family_operations(f),
             "transports": [t for t, on in (("http", f.contract), ("soap", f.wsdl), ("dicom", f.dicom)) if on]}
            for f in all_families() if not f.fallback]


def console() -> Response:
    """沙箱控制台 / the sandbox console."""
    sandbox = _sandbox()
    found = families()
    settings = {
        "families": found,
        "parties": sandbox.runtime.parties(),
        "institutions": [{"code": i.code, "name": i.name, "kind": i.kind} for i in sandbox.config.institutions],
        "verdicts": list(VERDICTS), "transports": list(TRANSPORTS),
        "kinds": {"http": list(HTTP_KINDS), "dicom": list(DICOM_KINDS), "soap": list(SOAP_KINDS),
                  "token": list(TOKEN_KINDS)},
        "operations": sorted({op for f in found for op in f["operations"]}),
        "rules": sorted(rule.id for rule in RULES),
    }
    return HTMLResponse(render_page("console.html", title="沙箱控制台 / sandbox console", settings=settings,
                                    families=found, base=sandbox.config.public_url))


def consoleRoot() -> Response:
    return console()


def favicon() -> Response:
    return Response(ICON, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"})


def _exchange(uid: str) -> dict[str, Any]:
    found = _sandbox().exchanges.query(uid=uid, limit=1)
    if not found:
        raise NativeError([RULES.finding("SANDBOX-EXCHANGE-UNKNOWN", uid=uid)])
    return found[0]


def consoleExchange(uid: str) -> Response:
    """一条交换记录 / one exchange in full, with what happened while it was served."""
    sandbox = _sandbox()
    exchange = _exchange(uid)
    start = _time(exchange["time"])
    during = [e for e in sandbox.exchanges.query(
        since=start, until=start + timedelta(milliseconds=(exchange.get("duration_ms") or 0) + 50), limit=200,
        bodies=False) if e["uid"] != uid]
    parts = {name: show(exchange.get(name), f"/_sandbox/exchanges/{uid}/{name}") for name in ("request", "response")}
    keys = identifiers(exchange)
    followed = [e for e in sandbox.exchanges.mentioning(list(keys.values()), after=exchange["id"])
                if e["uid"] not in {d["uid"] for d in during}]
    fault = (exchange.get("response") or {}).get("fault")
    return HTMLResponse(render_page("console_exchange.html", title=f"交换记录 / exchange {uid}", e=exchange,
                                    parts=parts, fault=fault, during=sorted(during, key=lambda e: e["id"]),
                                    near=near_misses(sandbox.config, exchange), keys=keys, followed=followed))


def nearMisses(uid: str) -> list[dict[str, Any]]:
    """The near misses of one exchange (the console page's "why didn't my request match?")."""
    return near_misses(_sandbox().config, _exchange(uid))


#: Identifiers that link an exchange to the ones it led to (index → pull → images; push → C-STORE → status).
LINK_KEYS = ("hiImgIndx", "StudyInstanceUID", "studyUid", "studyUID", "examNo", "ExamNo", "accessionNo",
             "AccessionNumber", "applyNo", "ApplyNo", "examId")


def identifiers(exchange: dict[str, Any]) -> dict[str, str]:
    """``key -> value`` of the linking identifiers in an exchange's JSON bodies and DICOM fields."""
    found: dict[str, str] = {}

    def walk(value: Any, depth: int = 0) -> None:
        if depth > 6 or len(found) >= 8:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                if k in LINK_KEYS and isinstance(v, str) and v and k not in found:
                    found[k] = v
                walk(v, depth + 1)
        elif isinstance(value, list):
            for v in value[:20]:
                walk(v, depth + 1)
    for part in ("request", "response"):
        walk(exchange.get(part) or {})
    return found


def _time(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


def exchangeBody(uid: str, part: str, field: str | None = None) -> Response:
    """A body as the log kept it (``field``: one value of it, base64 decoded to bytes)."""
    record = _exchange(uid).get(part) or {}
    name = f"{uid}-{part}"
    digest = str(record.get("sha256") or "")
    if len(digest) == 64 and _sandbox().blobs.exists(digest):
        # a body over the log's limit that the sandbox also keeps as a blob (prebuilt replies, files),
        # or the instance a C-STORE stored (its response names it by sha256)
        return _download(_sandbox().blobs.get(digest), str(record.get("media_type") or "application/octet-stream"),
                         f"{name}.bin")
    if field:
        try:
            value = field_value(record, field)
        except (KeyError, IndexError, ValueError) as exc:
            raise NativeError([RULES.finding("HTTP-PARAMETER", detail=f"field {field[:80]}: not in the body")]) from exc
        kept = str(value.get("sha256") or "") if isinstance(value, dict) else ""
        if len(kept) == 64 and _sandbox().blobs.exists(kept):  # a file the log names by sha256 (an upload's)
            return _download(_sandbox().blobs.get(kept), str(value.get("content_type") or "application/octet-stream"),
                             f"{name}-{field}.bin")
        if isinstance(value, str):
            try:
                data = base64.b64decode(value, validate=True)
                return _download(data, "application/octet-stream", f"{name}-{field}.bin")
            except (binascii.Error, ValueError):
                return _download(value.encode("utf-8"), "text/plain; charset=utf-8", f"{name}-{field}.txt")
        return JSONResponse(value)
    if "json" in record:
        return _download(json.dumps(record["json"], ensure_ascii=False, indent=2).encode("utf-8"),
                         "application/json", f"{name}.json")
    if "base64" in record:
        return _download(base64.b64decode(record["base64"]), "application/octet-stream", f"{name}.bin")
    if isinstance(record.get("body"), str):
        return _download(record["body"].encode("utf-8"), "text/plain; charset=utf-8", f"{name}.txt")
    return JSONResponse(record)  # kept as size + sha256 + head, or DICOM fields: the record itself


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})
