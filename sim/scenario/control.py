"""Scenario names for the sandbox's run-time settings (issue 13), registered through the sandbox
family's record (``Family.sim_steps``):

    - action: sandbox.fault           # inject a fault (openapi/sandbox.yaml FaultInput)
      with: {party: hospital, operation: C-FIND, kind: status, status: 0xA700}
    - action: sandbox.clear_faults    # with: {party: hospital} for one party only
    - action: sandbox.party           # with: {party: province_cloud, mode: external, base_url: …}
    - action: sandbox.parties         # each party as it is now
    - action: dicom.echo / dicom.find / dicom.get / dicom.move   # with: {party: hospital, studyUID, destination}
"""
from __future__ import annotations

import json
from typing import Any

from .registry import StepContext, action


def _answer(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"status": response.status_code, "text": response.text[:500]}


@action("sandbox.fault")
def sandbox_fault(ctx: StepContext, params: dict[str, Any]) -> Any:
    """Inject one fault; the result is the fault as stored (its ``id``) or the refusal."""
    return _answer(ctx.http.post(f"{ctx.base_url}/_sandbox/faults", json=params))


@action("sandbox.clear_faults")
def sandbox_clear_faults(ctx: StepContext, params: dict[str, Any]) -> Any:
    return _answer(ctx.http.delete(f"{ctx.base_url}/_sandbox/faults", params={k: v for k, v in params.items() if v}))


@action("sandbox.party")
def sandbox_party(ctx: StepContext, params: dict[str, Any]) -> Any:
    """Switch a party (``mode``: simulated, external or configured) for the rest of the run."""
    party = params.get("party")
    body = {k: v for k, v in params.items() if k != "party"}
    return _answer(ctx.http.post(f"{ctx.base_url}/_sandbox/parties/{party}", json=body))


@action("sandbox.parties")
def sandbox_parties(ctx: StepContext, params: dict[str, Any]) -> Any:
    return _answer(ctx.http.get(f"{ctx.base_url}/_sandbox/parties"))


def _association(ctx: StepContext, params: dict[str, Any], context: str, syntaxes: list[str] | None = None, *,
                 storage: bool = False, handlers: list[Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """An association with ``params.party``'s SCP as configured (``calling``: the AE title used;
    ``syntaxes``: transfer syntaxes proposed first; ``storage``: also the storage SOP classes in the
    SCP role, to receive a C-GET's C-STOREs)."""
    from pynetdicom import AE, DEFAULT_TRANSFER_SYNTAXES, build_role

    from reference.transports.dicom.net import STORAGE_CLASSES

    cfg = ctx.config.parties[str(params.get("party", "hospital"))]
    ae = AE(ae_title=str(params.get("calling", "PORTAL")))
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = float(params.get("timeout", 30))
    ae.add_requested_context(context, list(dict.fromkeys([*(syntaxes or []), *DEFAULT_TRANSFER_SYNTAXES])))
    roles: list[Any] = []
    for sop in STORAGE_CLASSES if storage else []:
        ae.add_requested_context(sop)
        roles.append(build_role(sop, scp_role=True))
    assoc = ae.associate(cfg.host or ctx.config.listen.host, int(cfg.port or 0), ae_title=str(cfg.ae_title),
                         ext_neg=roles or None, evt_handlers=handlers or None)
    out = {"associated": assoc.is_established, "rejected": assoc.is_rejected, "aborted": assoc.is_aborted,
           "statuses": []}
    if assoc.is_rejected and assoc.acceptor.primitive is not None:
        out["reject"] = {k: int(getattr(assoc.acceptor.primitive, k, 0) or 0)
                         for k in ("result", "result_source", "diagnostic")}
    return assoc, out


def _finished(assoc: Any, out: dict[str, Any]) -> dict[str, Any]:
    import time

    if out["associated"] and not out["statuses"]:  # no answer: the peer's A-ABORT may still be arriving
        for _ in range(40):
            if not assoc.is_established:
                break
            time.sleep(0.05)
    # aborted by the peer: no final response came and the association is gone (not released by us)
    out["aborted"] = out["aborted"] or assoc.is_aborted or (out["associated"] and not out["statuses"]
                                                             and not assoc.is_established)
    if assoc.is_established:
        assoc.release()
    out["final"] = out["statuses"][-1] if out["statuses"] else None
    return out


@action("dicom.echo")
def dicom_echo(ctx: StepContext, params: dict[str, Any]) -> Any:
    """C-ECHO to a party's SCP: ``{associated, rejected, aborted, reject, statuses, final}``."""
    from pynetdicom.sop_class import Verification

    assoc, out = _association(ctx, params, Verification)
    if assoc.is_established:
        status = assoc.send_c_echo()
        out["statuses"] = [int(status.Status)] if status else []
    return _finished(assoc, out)


@action("dicom.find")
def dicom_find(ctx: StepContext, params: dict[str, Any]) -> Any:
    """C-FIND to a party's SCP: Study Root at STUDY level by ``studyUID``, or the query ``keys``
    (keyword -> value, as the exchange log keeps an identifier; ``model``: study|patient, by default
    patient at PATIENT level): every response's status, ``matches`` (the pending ones), ``final``."""
    from pynetdicom.sop_class import PatientRootQueryRetrieveInformationModelFind as PatientFind
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as StudyFind

    keys = params.get("keys")
    query = _identifier(keys if isinstance(keys, dict) else
                        {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": str(params.get("studyUID", "")),
                         "PatientID": ""})
    patient = params.get("model", "patient" if query.get("QueryRetrieveLevel") == "PATIENT" else "study") == "patient"
    model = PatientFind if patient else StudyFind
    assoc, out = _association(ctx, params, model)
    out["matches"] = 0
    if assoc.is_established:
        for status, _ in assoc.send_c_find(query, model):
            if status:
                out["statuses"].append(int(status.Status))
                out["matches"] += int(status.Status) in (0xFF00, 0xFF01)
    return _finished(assoc, out)


COUNTS = ("NumberOfCompletedSuboperations", "NumberOfFailedSuboperations", "NumberOfWarningSuboperations")


def _retrieve_query(params: dict[str, Any]) -> Any:
    from pydicom.dataset import Dataset

    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = str(params["studyUID"])
    return query


def _responses(out: dict[str, Any], responses: Any) -> None:
    """Each response's status; the final one's sub-operation counts (``completed``, ``failed``…)."""
    for status, _ in responses:
        if not status:
            continue
        out["statuses"].append(int(status.Status))
        for key in COUNTS:
            if key in status and status[key].value is not None:
                out[key.removeprefix("NumberOf").removesuffix("Suboperations").lower()] = int(status[key].value)


@action("dicom.get")
def dicom_get(ctx: StepContext, params: dict[str, Any]) -> Any:
    """Study-level C-GET (Study Root) of ``studyUID``: statuses, ``final``, the sub-operation
    counts and ``received`` (the instances that really arrived, as this SCU's C-STOREs)."""
    from pynetdicom import evt
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet

    received: list[str] = []

    def store(event: Any) -> int:
        received.append(str(event.request.AffectedSOPInstanceUID))
        return 0

    assoc, out = _association(ctx, params, StudyRootQueryRetrieveInformationModelGet, storage=True,
                              handlers=[(evt.EVT_C_STORE, store)])
    if assoc.is_established:
        _responses(out, assoc.send_c_get(_retrieve_query(params), StudyRootQueryRetrieveInformationModelGet))
    out = _finished(assoc, out)
    out["received"] = len(received)
    return out


@action("dicom.move")
def dicom_move(ctx: StepContext, params: dict[str, Any]) -> Any:
    """Study-level C-MOVE (Study Root) of ``studyUID`` to ``destination`` (an AE title):
    statuses, ``final`` and the sub-operation counts."""
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelMove

    assoc, out = _association(ctx, params, StudyRootQueryRetrieveInformationModelMove)
    if assoc.is_established:
        _responses(out, assoc.send_c_move(_retrieve_query(params), str(params["destination"]),
                                          StudyRootQueryRetrieveInformationModelMove))
    return _finished(assoc, out)


@action("dicom.store")
def dicom_store(ctx: StepContext, params: dict[str, Any]) -> Any:
    """C-STORE one instance (``base64``: its DICOM Part 10 bytes) to a party's SCP, as ``calling``:
    ``{associated, rejected, aborted, statuses, final}`` (record and replay)."""
    import base64
    from io import BytesIO

    from pydicom import dcmread

    ds = dcmread(BytesIO(base64.b64decode(str(params["base64"]))))
    assoc, out = _association(ctx, params, str(ds.SOPClassUID), [str(ds.file_meta.TransferSyntaxUID)])
    if assoc.is_established:
        status = assoc.send_c_store(ds)
        out["statuses"] = [int(status.Status)] if status else []
    return _finished(assoc, out)


def _identifier(keys: dict[str, Any]) -> Any:
    """A query identifier from keyword -> value (a list: a multi-valued element; a list of dicts: a
    sequence) — the exchange log's form of an identifier (``reference.transports.dicom.recorder.as_json``)."""
    from pydicom.dataset import Dataset

    query = Dataset()
    for key, value in keys.items():
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            setattr(query, key, [_identifier(v) for v in value])
        else:
            setattr(query, key, [str(v) for v in value] if isinstance(value, list) else str(value))
    return query


@action("http.post")
def http_post(ctx: StepContext, params: dict[str, Any]) -> Any:
    """POST ``json`` to ``path`` of ``party``, reporting a dropped connection instead of failing:
    ``{status, text, json, error, exchange}`` — for replies a fault spoils (reset, truncated…)."""
    import httpx

    url = ctx.party_url(str(params.get("party", "province_index"))) + str(params["path"])
    out: dict[str, Any] = {"status": None, "text": None, "json": None, "error": None, "exchange": None}
    try:
        response = ctx.http.post(url, json=params.get("json", {}))
    except httpx.TransportError as exc:
        out["error"] = type(exc).__name__
        return out
    out.update(status=response.status_code, text=response.text, exchange=response.headers.get("x-imgcloud-exchange"))
    ctx.exchange_uid = out["exchange"]
    try:
        out["json"] = response.json()
    except ValueError:
        pass
    return out


@action("http.send")
def http_send(ctx: StepContext, params: dict[str, Any]) -> Any:
    """One HTTP request as recorded (record and replay): ``{party, path | url, method: POST, headers,
    json | text | base64 | form}`` to where ``party`` is reached (``url``: an absolute address, e.g.
    one a reply handed over); ``form: {fields, files: {name: {filename, content_type, base64}}}`` is
    sent as multipart/form-data.  ``{status, json, text, size, contentType, exchange}``, the
    exchange the step's findings are read from."""
    method = str(params.get("method", "POST"))
    url = str(params["url"]) if params.get("url") else ctx.party_url(str(params["party"])) + str(params["path"])
    headers = {str(k): str(v) for k, v in (params.get("headers") or {}).items()}
    content = _content(params, headers)
    response = ctx.http.request(method, url, content=content or None, headers=headers)
    ctx.exchange_uid = response.headers.get("x-imgcloud-exchange")
    ctx.exchange_base = ctx.party_url(str(params["party"])) if params.get("party") else ctx.base_url
    out: dict[str, Any] = {"status": response.status_code, "json": None, "text": None, "size": len(response.content),
                           "contentType": response.headers.get("content-type"), "exchange": ctx.exchange_uid}
    try:
        out["json"] = response.json()
    except ValueError:
        out["text"] = response.text[:2000] if "text" in (out["contentType"] or "") or "xml" in (out["contentType"] or "") \
            else None
    return out


def _content(params: dict[str, Any], headers: dict[str, str]) -> bytes:
    """The body ``http.send`` sends; a ``form`` is encoded here (its content type, with the boundary,
    replaces the recorded one)."""
    import base64

    import httpx

    if "json" in params:
        return json.dumps(params["json"], ensure_ascii=False).encode("utf-8")
    if "base64" in params:
        return base64.b64decode(str(params["base64"]))
    if "form" in params:
        form = params["form"]
        files = {name: (f.get("filename") or name, base64.b64decode(str(f["base64"])),
                        f.get("content_type") or "application/octet-stream")
                 for name, f in (form.get("files") or {}).items()}
        encoded = httpx.Request("POST", "http://form", data={k: str(v) for k, v in (form.get("fields") or {}).items()},
                                files=files)
        for key in [k for k in headers if k.lower() == "content-type"]:
            del headers[key]
        headers["content-type"] = encoded.headers["content-type"]
        return encoded.read()
    return str(params.get("text") or "").encode("utf-8")
