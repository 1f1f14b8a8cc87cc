"""Scenario names of flow C (INTERFACES.md §3 and flow C; seeds/003): the provincial
cloud's ten interfaces, its SM2 key, and the simulated callers of ``sim.actors.province_cloud``
(a hospital, a city platform, a doctor at a second hospital).

Everything goes over the HTTP API of ``province_cloud`` (``ctx.party_url``): this sandbox
when simulated, the configured address when external, so the scenarios run with
``--target`` too.  When the runner started the sandbox, the callers' requests are also
recorded outbound in its exchange log.

Tokens are kept per run (``ctx.vars["_province_cloud_tokens"]``) so that a scenario spends
few of an institution's 30 tokens a day (seeds/003 权限鉴定接口).
"""
from __future__ import annotations

from typing import Any

from reference.crypto import sm2
from reference.sandbox import Sandbox
from sim.actors.province_cloud import (
    CityPlatformClient,
    CloudClient,
    DoctorClient,
    HospitalClient,
    first_city_platform,
    make_cloud_exam,
    public_key,
)

from .registry import StepContext, action, envelope

TOKENS = "_province_cloud_tokens"
JSON_OPERATIONS = ("getToken", "saveReminderCallRecord", "projectContrast", "savePatientExam", "getdigitalImageUrl",
                   "queryFormerlyExam", "queryExamPdfData", "saveRecognExamRecord")


def _recorder(ctx: StepContext) -> Sandbox | None:
    """The sandbox's storage to record the callers' requests in, when the runner may open it."""
    return ctx.storage() if ctx.storage is not None else None


def _client(ctx: StepContext, cls: type[CloudClient], code: str, **kw: Any) -> CloudClient:
    client = cls(ctx.config, code, sandbox=_recorder(ctx), **kw)
    token = ctx.vars.setdefault(TOKENS, {}).get(code)
    if token:
        client.token = token
    return client


def _token(ctx: StepContext, client: CloudClient) -> None:
    if client.token:
        ctx.vars.setdefault(TOKENS, {})[client.code] = client.token


def _last_exchange(ctx: StepContext, client: CloudClient) -> None:
    """The exchange the step's findings are read from: the cloud's own record when the cloud is
    simulated here; when it is external, our caller's record of it (with the contract checks of the
    cloud's reply), else the cloud's log, which is not read."""
    if not client.replies:
        return
    reply = client.replies[-1][1]
    if ctx.is_external("province_cloud") and reply.ours:
        ctx.exchange_uid, ctx.exchange_base = reply.ours, ctx.base_url
    elif reply.exchange:
        ctx.exchange_uid, ctx.exchange_base = reply.exchange, ctx.party_url("province_cloud")


def _exam(ctx: StepContext, params: dict[str, Any], hospital_key: str = "hospital") -> Any:
    seed = params.get("seed")
    return make_cloud_exam(ctx.config, str(params[hospital_key]), seed=int(seed) if seed is not None else None,
                           index=int(params.get("index", 0)), now=ctx.clock.now(),
                           instances_per_series=int(params.get("instancesPerSeries", 1)))


@action("province_cloud.public_key")
def cloud_public_key(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """The cloud's SM2 public key (``GET /_sandbox/province-cloud/sm2-public-key``)."""
    return {"publicKey": public_key(ctx.config, ctx.http)}


@action("province_cloud.sm2_encrypt")
def sm2_encrypt(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{plaintext, layout: C1C3C2|C1C2C3, encoding: hex|base64, prefix: true, publicKey?}``: a ciphertext."""
    key = params.get("publicKey") or public_key(ctx.config, ctx.http)
    text = sm2.encrypt(str(params["plaintext"]), key, layout=params.get("layout", "C1C3C2"),
                       encoding=params.get("encoding", "hex"), prefix=bool(params.get("prefix", True)))
    return {"ciphertext": text}


@action("province_cloud.token")
def token(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{uid, secret?}``: one getToken (the issued secret unless ``secret`` is given); the reply.
    A token obtained is kept for the run's later steps."""
    client = _client(ctx, CloudClient, str(params["uid"]))
    try:
        client.token = None
        reply = client.get_token(params.get("secret"))
        if params.get("secret") is None:
            _token(ctx, client)
        _last_exchange(ctx, client)
        return {**reply.summary(), "token": client.token}
    finally:
        client.close()


@action("province_cloud.exam_body")
def exam_body(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, seed?, index?, encrypt: true}``: the generated exam's savePatientExam body
    (``idCardNo`` SM2-encrypted unless ``encrypt: false``), and the exam's summary."""
    exam = _exam(ctx, params)
    body = dict(exam.body)
    if params.get("encrypt", True):
        body["idCardNo"] = sm2.encrypt(exam.id_card, public_key(ctx.config, ctx.http))
    return {"body": body, "exam": exam.summary()}


def _upload(ctx: StepContext, cls: type[CloudClient], code: str, params: dict[str, Any]) -> dict[str, Any]:
    exam = _exam(ctx, params)
    client = _client(ctx, cls, code)
    try:
        out = client.upload(exam)
        _token(ctx, client)
        _last_exchange(ctx, client)
        return out
    finally:
        client.close()


@action("province_cloud.hospital_upload")
def hospital_upload(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hospital, seed?, index?}``: the hospital's side of flow C: token, savePatientExam (SM2
    id), uploadDicom of the study, saveExamPdf, projectContrast, getdigitalImageUrl, the film page."""
    return _upload(ctx, HospitalClient, str(params["hospital"]), params)


@action("province_cloud.city_platform_upload")
def city_platform_upload(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{platform?, hospital, seed?, index?}``: the same, by a city platform for ``hospital``."""
    code = str(params.get("platform") or first_city_platform(ctx.config).code)
    return _upload(ctx, CityPlatformClient, code, params)


@action("province_cloud.doctor_review")
def doctor_review(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{doctorHospital, hospital, seed?, index?, examId, project?}``: a doctor at ``doctorHospital``
    maps its project, queries the patient's history (searchType 1) and repeats (searchType 2),
    opens the film, fetches the PDF, records the reminder/view and the recognition decision."""
    exam = _exam(ctx, params)
    client = _client(ctx, DoctorClient, str(params["doctorHospital"]))
    assert isinstance(client, DoctorClient)
    try:
        out = client.review(exam, str(params["examId"]), project=str(params.get("project") or f"{exam.exam.item.code}B"),
                            when=ctx.clock.now(), expected_pdf=exam.pdf)
        _token(ctx, client)
        _last_exchange(ctx, client)
        return out
    finally:
        client.close()


@action("province_cloud.open_film")
def open_film(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{url}``: open a film page (getdigitalImageUrl's URL) and its first image."""
    response = ctx.http.get(str(params["url"]))
    images = response.text.count("<img")
    return {"status": response.status_code, "images": images, "contentType": response.headers.get("content-type")}


def _body_only(ctx: StepContext, institution: str, rows: list[Any], operation: str) -> Any:
    """``rows: [<body>]`` (one body, e.g. captured from ``province_cloud.exam_body``); or give ``body:``."""
    if len(rows) == 1 and isinstance(rows[0], dict):
        return rows[0]
    raise ValueError(f"{operation}: give the step a body: (or rows: [one body])")


for _operation in JSON_OPERATIONS:
    envelope(f"province_cloud.{_operation}")(_body_only)

