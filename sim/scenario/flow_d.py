"""Scenario names of flow D (INTERFACES.md §5 and flow D; seeds/004): the HIS's SynApplyInfo,
the third-party PACS's token, push, images and statistics, the platform's reconciliation and
report page, the HIS's received statuses, and the primary-care platform's apply forms.

Every call goes to where the party is reached (``ctx.party_url``): this sandbox when simulated,
the configured address when external (a second sandbox, or a real system) — DICOM to the
platform's configured AE.  The SOAP operations themselves are step kind ``soap`` (every WSDL
operation is ``party.Operation``); these actions build the documents and read state.

A generated exam is named by ``{hospital, seed, index}`` (``sim.fakedata.regional``): every
action recomputes the same exam, so steps agree without passing it around.
"""
from __future__ import annotations

import re
from typing import Any

from lxml import etree

from reference.crypto import rsa
from reference.regional import identity
from reference.sandbox import Sandbox
from reference.transports.soap import xml
from sim.actors.regional import (
    HisClient,
    JiweiClient,
    PacsClient,
    hospital_of,
    make_sign,
    platform_public_key,
    study_files,
)
from sim.fakedata.regional import RegionalExam, apply_document, jiwei_form, jiwei_query, push_body, regional_exam, statistics_item

from .registry import StepContext, action

TOKENS = "_regional_tokens"


def _recorder(ctx: StepContext) -> Sandbox | None:
    return ctx.storage() if ctx.storage is not None else None


def _exam(ctx: StepContext, params: dict[str, Any]) -> RegionalExam:
    seed = params.get("seed")
    return regional_exam(ctx.config, str(params["hospital"]), seed=int(seed) if seed is not None else None,
                         index=int(params.get("index", 0)), on=ctx.clock.now().date())


def _pacs(ctx: StepContext, hospital: str) -> PacsClient:
    client = PacsClient(ctx.config, hospital, sandbox=_recorder(ctx))
    client.token = ctx.vars.setdefault(TOKENS, {}).get(hospital)
    return client


def _exchange(ctx: StepContext, reply: dict[str, Any], party: str = "regional_platform") -> None:
    if reply.get("exchange"):
        ctx.exchange_uid, ctx.exchange_base = reply["exchange"], ctx.party_url(party)


@action("regional.credentials")
def credentials(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital}``: the appId, orgId, license and Jiwei AES key issued to the hospital, and the
    platform's RSA public key (asked of the platform)."""
    inst = hospital_of(ctx.config, str(params["hospital"]))
    key = platform_public_key(ctx.config, ctx.http)
    return {**identity.credentials(ctx.config, inst), "publicKey": key.export_key("PEM").decode("ascii")}


@action("regional.exam")
def exam(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, seed?, index?}``: the generated exam's identities, and its documents: the
    SynApplyInfo ``<XmlDocument>`` as INSERT, UPDATE and DELETE (``applyXml…``), the push body,
    the statistics item."""
    r = _exam(ctx, params)
    return {**r.summary(), "applyXml": apply_document(ctx.config, r),
            "applyXmlUpdate": apply_document(ctx.config, r, action="UPDATE"),
            "applyXmlDelete": apply_document(ctx.config, r, action="DELETE"),
            "push": push_body(r), "statistics": [statistics_item(r)], "query": jiwei_query(r)}


@action("xml.set")
def xml_set(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{xml, set: {"Patient/PatientName": "…", "Exam/HospitalName/@code": "…"}, remove: [path…]}``:
    the document with values set (paths below the root; ``@name`` an attribute) — a field too long,
    a missing element."""
    root = xml.parse(str(params["xml"]), what="xml")
    for path, value in (params.get("set") or {}).items():
        element_path, _, attribute = str(path).partition("/@")
        node = root.find(element_path)
        if node is None:
            raise KeyError(f"xml.set: no element {element_path}")
        if attribute:
            node.set(attribute, str(value))
        else:
            node.text = str(value)
    for path in params.get("remove") or []:
        node = root.find(str(path))
        if node is None or node.getparent() is None:
            raise KeyError(f"xml.remove: no element {path}")
        node.getparent().remove(node)
    text = etree.tostring(root, encoding="unicode")
    return {"xml": '<?xml version="1.0" encoding="UTF-8"?>' + text}


@action("regional.token")
def token(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, padding?: pkcs1|oaep, order?: rule|table|reversed, time?: true, keep?: true}``: one getToken
    with a sign built so (the platform's public key); a token got is kept for the run's later steps."""
    hospital = str(params["hospital"])
    inst = hospital_of(ctx.config, hospital)
    client = _pacs(ctx, hospital)
    try:
        key = platform_public_key(ctx.config, ctx.http) if params.get("key") != "other" else rsa.key_for_seed(1).public_key()
        sign = make_sign(ctx.config, inst, public_key=key, padding=str(params.get("padding", "pkcs1")),
                         order=str(params.get("order", "rule")), when=ctx.clock.now() if params.get("time") else None)
        client.token = None
        reply = client.get_token(sign)
        if client.token and params.get("keep", True):
            ctx.vars.setdefault(TOKENS, {})[hospital] = client.token
        _exchange(ctx, reply)
        return {**reply, "sign": sign}
    finally:
        client.close()


@action("regional.push")
def push(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, seed?, index?, examStatus?: "70", noToken?: false}``: the PACS pushes the exam."""
    r = _exam(ctx, params)
    client = _pacs(ctx, r.hospital.code)
    try:
        if params.get("noToken"):
            client.token = ""
        reply = client.push(push_body(r, exam_status=str(params.get("examStatus", "70"))))
        _exchange(ctx, reply)
        return reply
    finally:
        client.close()


@action("regional.upload_statistics")
def upload_statistics(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, items}`` (items as 004 §3.2.3.3, e.g. 004's own sample) or ``{hospital, seed?, index?, count}``
    (the exam's hospital, day and class)."""
    hospital = str(params["hospital"])
    items = params.get("items") or [statistics_item(_exam(ctx, params), int(params.get("count", 1)))]
    client = _pacs(ctx, hospital)
    try:
        reply = client.statistics(list(items))
        _exchange(ctx, reply)
        return reply
    finally:
        client.close()


@action("regional.store")
def store(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, seed?, index?, perSeries?: 1, form?: true, patientId?}``: the PACS C-STOREs the study
    (and, first, its scanned request form, series 0) into the archive; ``patientId`` overrides the
    images' PatientID (to see the archive refuse them)."""
    from io import BytesIO

    from pydicom import dcmread

    r = _exam(ctx, params)
    seed = params.get("seed")
    files = study_files(r, seed=int(seed) if seed is not None else ctx.config.seed, per_series=int(params.get("perSeries", 1)),
                        form=bool(params.get("form", True)))
    if params.get("patientId"):
        changed = []
        for data in files:
            ds = dcmread(BytesIO(data))
            ds.PatientID = str(params["patientId"])
            out = BytesIO()
            ds.save_as(out, enforce_file_format=True)
            changed.append(out.getvalue())
        files = changed
    client = _pacs(ctx, r.hospital.code)
    try:
        return {**client.store(files), "files": len(files)}
    finally:
        client.close()


def _state(ctx: StepContext, party: str, path: str, **query: Any) -> Any:
    """``party``'s internals (its ``/_sandbox/state``): skipped when it is external."""
    response = ctx.http.get(ctx.internals_url(party) + path, params={k: v for k, v in query.items() if v is not None})
    try:
        return response.json()
    except ValueError:
        return {"httpStatus": response.status_code, "text": response.text[:300]}


@action("regional.exam_state")
def exam_state(ctx: StepContext, params: dict[str, Any]) -> Any:
    """``{hospital, seed?, index?}``: what the platform holds for the exam (``/_sandbox/state/regional/exams/…``)."""
    r = _exam(ctx, params)
    return _state(ctx, "regional_platform", f"/_sandbox/state/regional/exams/{r.code}/{r.exam_no}")


@action("regional.statistics")
def statistics(ctx: StepContext, params: dict[str, Any]) -> Any:
    """``{hospitalCode?, examDate?}``: the platform's reconciliation (``/_sandbox/state/regional/statistics``)."""
    return _state(ctx, "regional_platform", "/_sandbox/state/regional/statistics", hospitalCode=params.get("hospitalCode"),
                  examDate=params.get("examDate"))


@action("regional.page")
def page(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{path: /clinic/html/query.htm, query: {sick_id: …}, contains?: [text…]}``: a platform page: its
    status, the number of exams it lists, and which of ``contains`` it shows."""
    response = ctx.http.get(ctx.party_url("regional_platform") + str(params.get("path", "/clinic/html/query.htm")),
                            params=params.get("query") or {})
    count = re.search(r"data-count='(\d+)'", response.text)
    return {"status": response.status_code, "contentType": response.headers.get("content-type"),
            "exams": int(count.group(1)) if count else None,
            "shows": [t for t in params.get("contains") or [] if str(t) in response.text]}


@action("his.received")
def his_received(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, applyNo?}``: the SynStatusInfo calls the hospital's simulated HIS received."""
    items = _state(ctx, "hospital", f"/_sandbox/state/his/{params['hospital']}/status-received", applyNo=params.get("applyNo"))
    items = items if isinstance(items, list) else []
    return {"statuses": [i.get("status") for i in items if i.get("accepted")], "items": items}


@action("his.apply")
def his_apply(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, xml}``: the HIS's SynApplyInfo through the recording SOAP client (the step kind
    ``soap`` is the same call without the HIS's record); ``xml`` is the reply document."""
    client = HisClient(ctx.config, str(params["hospital"]), sandbox=_recorder(ctx))
    try:
        result = client.apply(str(params["xml"]))
    finally:
        client.close()
    if result.peer_exchange:
        ctx.exchange_uid, ctx.exchange_base = result.peer_exchange, ctx.party_url("regional_platform")
    code = xml.text_of(xml.parse(result.result, what="reply").find("code")) if result.result else None
    return {"status": result.status, "code": code, "xml": result.result or "", "fault": result.fault}


@action("jiwei.register")
def jiwei_register(ctx: StepContext, params: dict[str, Any]) -> Any:
    """``{hospital, seed?, index?}``: put the exam's apply form in the primary-care platform
    (``POST /_sandbox/actions/jiwei-forms`` where 基卫 is reached)."""
    r = _exam(ctx, params)
    response = ctx.http.post(ctx.internals_url("jiwei") + "/_sandbox/actions/jiwei-forms",
                             json={"hospital": r.hospital.code, "forms": [jiwei_form(r)]})
    return response.json()


@action("jiwei.query")
def jiwei_query_action(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, seed?, index?, key?, query?}``: the apply-form query, AES-encrypted with the hospital's
    issued key (or ``key``); the reply with ``decrypted`` on success."""
    r = _exam(ctx, params)
    client = JiweiClient(ctx.config, r.hospital.code, sandbox=_recorder(ctx), key=params.get("key"))
    try:
        reply = client.query(dict(params.get("query") or jiwei_query(r)))
        _exchange(ctx, reply, "jiwei")
        return reply
    finally:
        client.close()


@action("regional.cross_check")
def cross_check(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, seed?, index?}``: the StudyInstanceUID across protocols — in the push (REST), in the
    images the archive received (DICOM) and in the apply form's exam (SOAP, ``Reserve1``) — and
    the apply form's number in the push and the HIS's callbacks."""
    r = _exam(ctx, params)
    state = exam_state(ctx, params)
    apply = _state(ctx, "regional_platform", f"/_sandbox/state/regional/applies/{r.apply_no}")
    pushed = [i.get("studyUID") for i in (state.get("push") or {}).get("imageList") or []]
    archived = sorted({a["studyUID"] for a in state.get("archived") or []})
    in_apply = (((apply.get("fields") or {}).get("Exam") or {}).get("Reserve1")) if isinstance(apply, dict) else None
    return {"push": pushed[0] if pushed else None, "archived": archived, "apply": in_apply,
            "agree": bool(pushed) and archived == pushed and in_apply == pushed[0],
            "applyNo": {"soap": apply.get("applyNo") if isinstance(apply, dict) else None, "push": state.get("applyNo"),
                        "linked": state.get("linkedApply")},
            "patientIDs": sorted({a["patientID"] for a in state.get("archived") or []}), "pushPatientID": state.get("patientID")}
