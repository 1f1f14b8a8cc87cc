"""Recorded DICOM exchanges as steps (record and replay, issue 13).

The log keeps one exchange per association (``A-ASSOCIATE``: calling and called AE, how it ended)
and one per DIMSE operation (its identifier as keyword -> text, its final status, C-FIND's number
of matches).  C-ECHO becomes ``dicom.echo`` and C-FIND ``dicom.find`` with the recorded query keys,
expecting the recorded final status and number of matches, as the recorded calling AE title; an
association the SCP rejected becomes a ``dicom.echo`` expecting the rejection.  A released
association is replayed by its operations.  A C-STORE becomes ``dicom.store`` of the very instance
when the recording sandbox keeps it (its response names it by sha256; embedded base64), expecting
the recorded status; one it refused (nothing kept) or one too large to embed is listed with the
reason.  A study-level C-GET or C-MOVE of one study becomes ``dicom.get`` / ``dicom.move`` (the
recorded destination), expecting the recorded final status and sub-operation counts: the target must
hold the study — the recorded C-STOREs earlier in the file put it there, or the same seed's data
does (the step's title says so); a retrieve at another level or of several studies is listed.
"""
from __future__ import annotations

import re
from typing import Any

from .http import EMBED_LIMIT
from .plan import Download, Plan, escape

_CALLING = re.compile(r"^dicom://([^-]*)->")


def _status(exchange: dict[str, Any]) -> int | None:
    value = (exchange.get("response") or {}).get("status")
    try:
        return int(str(value), 16) if isinstance(value, str) else (int(value) if value is not None else None)
    except ValueError:
        return None


def _calling(exchange: dict[str, Any]) -> str:
    request = exchange.get("request") or {}
    found = _CALLING.match(str(exchange.get("url") or ""))
    return str(request.get("calling") or (found.group(1) if found else "") or exchange.get("institution") or "PORTAL")


def _base(exchange: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"x{exchange['id']}",
            "title": f"录制的交换 / recorded exchange #{exchange['id']} ({exchange['time']}): {exchange.get('operation')}"}


def _store(plan: Plan, exchange: dict[str, Any], where: dict[str, Any], status: int | None,
           download: Download) -> None:
    import base64

    response = exchange.get("response") or {}
    size = int(response.get("size") or 0)
    if not response.get("sha256"):
        plan.skip(exchange, f"C-STORE answered {response.get('status')}: the sandbox kept no instance to send again")
        return
    if size > EMBED_LIMIT:
        plan.skip(exchange, f"an instance of {size} bytes, over the {EMBED_LIMIT} bytes embedded")
        return
    data = download(exchange, "response", None)
    if data is None:
        plan.skip(exchange, f"the instance (sha256 {str(response['sha256'])[:16]}…) is not in the recording sandbox's blob store")
        return
    plan.add({**_base(exchange), "action": "dicom.store",
              "with": {**where, "base64": base64.b64encode(data).decode("ascii")},
              "expect": [{"path": "$.final", "equals": status}]})


def dicom_step(plan: Plan, exchange: dict[str, Any], download: Download) -> None:
    operation = str(exchange.get("operation") or "")
    where = {"party": exchange.get("party"), "calling": _calling(exchange)}
    status = _status(exchange)
    if operation == "A-ASSOCIATE":
        result = str((exchange.get("response") or {}).get("result") or "")
        if result == "rejected":
            plan.add({**_base(exchange), "action": "dicom.echo", "with": where,
                      "expect": [{"path": "$.rejected", "equals": True}]})
        elif not (exchange.get("response") or {}).get("operations"):
            plan.skip(exchange, f"an association that ended {result or 'without operations'} and carried none")
        return  # released or aborted with operations: replayed by its operations
    if operation == "C-ECHO":
        plan.add({**_base(exchange), "action": "dicom.echo", "with": where,
                  "expect": [{"path": "$.final", "equals": status}]})
    elif operation == "C-FIND":
        keys = escape(exchange.get("request") or {})
        expect: list[dict[str, Any]] = [{"path": "$.final", "equals": status}]
        matches = (exchange.get("response") or {}).get("matches")
        if isinstance(matches, int):
            expect.append({"path": "$.matches", "equals": matches})
        plan.add({**_base(exchange), "action": "dicom.find", "with": {**where, "keys": keys}, "expect": expect})
    elif operation == "C-STORE":
        _store(plan, exchange, where, status, download)
    elif operation in ("C-GET", "C-MOVE"):
        _retrieve(plan, exchange, where, status)
    else:
        plan.skip(exchange, f"{operation}: no scenario step sends it")


#: the final response's sub-operation counts, as the log keeps them -> as dicom.get/move answer them
_COUNTS = {"NumberOfCompletedSuboperations": "completed", "NumberOfFailedSuboperations": "failed",
           "NumberOfWarningSuboperations": "warning"}


def _retrieve(plan: Plan, exchange: dict[str, Any], where: dict[str, Any], status: int | None) -> None:
    """A study-level C-GET / C-MOVE of one study as ``dicom.get`` / ``dicom.move``."""
    operation = str(exchange.get("operation"))
    request, response = exchange.get("request") or {}, exchange.get("response") or {}
    study = request.get("StudyInstanceUID")
    if request.get("QueryRetrieveLevel", "STUDY") != "STUDY" or not isinstance(study, str) or not study \
            or "\\" in study:
        plan.skip(exchange, f"{operation} at level {request.get('QueryRetrieveLevel')} of {study!r}: only a "
                            "study-level retrieve of one study is replayed")
        return
    params = {**where, "studyUID": plan.substitute(study)}
    if operation == "C-MOVE":
        if not response.get("destination"):
            plan.skip(exchange, "C-MOVE without its recorded destination")
            return
        params["destination"] = escape(str(response["destination"]))
    expect: list[dict[str, Any]] = [{"path": "$.final", "equals": status}]
    expect += [{"path": f"$.{name}", "equals": int(response[key])} for key, name in _COUNTS.items()
               if isinstance(response.get(key), int)]
    step = _base(exchange)
    step["title"] += " — 目标须持有该检查 / the target must hold the study"
    plan.add({**step, "action": "dicom.get" if operation == "C-GET" else "dicom.move", "with": params,
              "expect": expect})
