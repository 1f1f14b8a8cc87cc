"""Scenario names of flow A (INTERFACES.md flow A): the simulated hospital's uploads,
the centre's and the province's state, the province's pull, the centre's deletion, and
the centre's interfaces.  A party's state and actions are read through the sandbox control API
of the sandbox under test (``ctx.internals_url``); when that party is external (a vendor's
system, or a second sandbox standing in for one) those steps are skipped, saying why, and the
flow is judged by the wire and by our record of the exchanges (``flow_a.served_images``)."""
from __future__ import annotations

from typing import Any

from reference.national.request import envelope as make_envelope

from .registry import StepContext, action, envelope


def _list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _get(ctx: StepContext, party: str, path: str) -> Any:
    reply = ctx.http.get(f"{ctx.internals_url(party)}{path}")
    reply.raise_for_status()
    return reply.json()


def _post(ctx: StepContext, party: str, path: str, body: dict[str, Any]) -> Any:
    reply = ctx.http.post(f"{ctx.internals_url(party)}{path}", json=body, timeout=600)
    reply.raise_for_status()
    return reply.json()


@action("hospital.upload_exams")
def upload_exams(ctx: StepContext, params: dict[str, Any]) -> Any:
    """``{hospital, count, seed?, centre?, batch?, dicomForm?}``: generate and upload exams."""
    return _post(ctx, "hospital", "/_sandbox/actions/hospital-upload", params)


@action("imaging_centre.exams")
def centre_exams(ctx: StepContext, params: dict[str, Any]) -> list[Any]:
    """``{centre, hiImgIndx: one or a list}``: what the centre holds for each."""
    return [_get(ctx, "imaging_centre", f"/_sandbox/state/centre/{params['centre']}/exams/{hi}")
            for hi in _list(params["hiImgIndx"])]


@action("province_index.indexes")
def province_indexes(ctx: StepContext, params: dict[str, Any]) -> list[Any]:
    """``{hiImgIndx: one or a list}``: the province's record and cached images for each."""
    return [_get(ctx, "province_index", f"/_sandbox/state/province/indexes/{hi}") for hi in _list(params["hiImgIndx"])]


@action("province_index.pull")
def province_pull(ctx: StepContext, params: dict[str, Any]) -> list[Any]:
    """``{hiImgIndx: one or a list}``: pull now (on demand), the states afterwards."""
    return [_post(ctx, "province_index", "/_sandbox/actions/province-pull", {"hiImgIndx": hi})
            for hi in _list(params["hiImgIndx"])]


@action("imaging_centre.delete_exams")
def delete_exams(ctx: StepContext, params: dict[str, Any]) -> list[Any]:
    """``{centre, hiImgIndx: one or a list}``: delete at the centre, withdraw upstream."""
    return [_post(ctx, "imaging_centre", "/_sandbox/actions/centre-delete", {"centreCode": params["centre"], "hiImgIndx": hi})
            for hi in _list(params["hiImgIndx"])]


@action("flow_a.verify_images")
def verify_images(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{exams: the upload result's exams}``: every image the province cached is byte-identical
    (same sha256) to the file the hospital stored, and none is missing."""
    checked, problems = 0, []
    for exam in params["exams"]:
        hi = exam["hiImgIndx"]
        state = _get(ctx, "province_index", f"/_sandbox/state/province/indexes/{hi}")
        cached = {i["sopUid"]: i["sha256"] for i in state["images"]}
        for inst in exam["instances"]:
            checked += 1
            if cached.get(inst["sopUid"]) != inst["sha256"]:
                problems.append({"hiImgIndx": hi, "sopUid": inst["sopUid"], "expected": inst["sha256"],
                                 "cached": cached.get(inst["sopUid"])})
    return {"checked": checked, "problems": problems}


@action("flow_a.served_images")
def served_images(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{exams: the upload result's exams}``: our record of the province's pull, read from the
    exchange log of the sandbox under test — queryImgCahe as our centre served it (inbound), or as
    our province asked an external centre for it (outbound).  Every instance of every exam must
    have been served in an exchange judged ``pass`` or ``warn``; the others are listed."""
    wanted = {(exam["hiImgIndx"], inst["sopUid"]) for exam in params["exams"] for inst in exam["instances"]}
    log = ctx.http.get(f"{ctx.base_url}/_sandbox/exchanges", params={
        "operation": "queryImgCahe", "direction": ctx.ours("imaging_centre"), "limit": min(3 * len(wanted) + 50, 1000)}).json()
    verdicts: dict[tuple[str, str], list[str]] = {}
    for entry in log:
        body = (entry.get("request") or {}).get("json") or {}
        sn = body.get("imgFileSn") if isinstance(body, dict) else None
        if isinstance(sn, dict):
            verdicts.setdefault((str(body.get("hiImgIndx")), str(sn.get("instUuid"))), []).append(entry["verdict"])
    served = {key for key in wanted if any(v in ("pass", "warn") for v in verdicts.get(key, []))}
    failed = sorted(key for key in wanted - served if key in verdicts)
    return {"expected": len(wanted), "served": len(served), "missing": len(wanted - served - set(failed)),
            "failed": [{"hiImgIndx": hi, "sopUid": sop, "verdicts": verdicts[(hi, sop)]} for hi, sop in failed[:10]]}


@action("imaging_centre.pages")
def pages(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{links: an index row}``: open the report and image pages like a browser would."""
    row = params["row"]
    report = ctx.http.get(row["examRpotLinkUrl"])
    images = ctx.http.get(row["imgInfoLinkUrl"])
    return {"report_status": report.status_code, "report_has_name": row["psnName"] in report.text,
            "report_has_conclusion": row["diagRslt"][:12] in report.text,
            "image_status": images.status_code, "images": images.text.count("<img")}


@envelope("imaging_centre.saveExamRpotImgInfo")
def img_info_request(ctx: StepContext, institution: str, rows: list[Any], operation: str) -> dict[str, Any]:
    """A hospital's complete request: its credentials, a fresh msgid, rows under ``data`` (002 §二)."""
    inst = ctx.institution_config(institution)
    return make_envelope(ctx.config, inst, operation, rows, now=ctx.clock.now(), sequence=ctx.next_sequence(), node="data")


def _literal_only(ctx: StepContext, institution: str, rows: list[Any], operation: str) -> Any:
    raise ValueError(f"{operation} has no envelope: give the step a body:")


envelope("imaging_centre.queryImgCaheFileSn", path="/centre/{centre}/imgDld")(_literal_only)
envelope("imaging_centre.queryImgCahe", path="/centre/{centre}/imgDld")(_literal_only)
