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


def _association(ctx: StepContext, params: dict[str, Any], context: str, *, storage: bool = False,
                 handlers: list[Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """An association with ``params.party``'s SCP as configured (``calling``: the AE title used;
    ``storage``: also the storage SOP classes in the SCP role, to receive a C-GET's C-STOREs)."""
    from pynetdicom import AE, build_role

    from reference.transports.dicom.net import STORAGE_CLASSES

    cfg = ctx.config.parties[str(params.get("party", "hospital"))]
    ae = AE(ae_title=str(params.get("calling", "PORTAL")))
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = float(params.get("timeout", 30))
    ae.add_requested_context(context)
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
    """Study-level C-FIND (Study Root) to a party's SCP: every response's status, then ``final``."""
    from pydicom.dataset import Dataset
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind

    assoc, out = _association(ctx, params, StudyRootQueryRetrieveInformationModelFind)
    if assoc.is_established:
        query = Dataset()
        query.QueryRetrieveLevel = "STUDY"
        query.StudyInstanceUID = str(params.get("studyUID", ""))
        query.PatientID = ""
        for status, _ in assoc.send_c_find(query, StudyRootQueryRetrieveInformationModelFind):
            if status:
                out["statuses"].append(int(status.Status))
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
