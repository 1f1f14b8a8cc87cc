"""Handlers of ``openapi/province-cloud.yaml``, one per operationId (seeds/003).

Each checks the token first (403), then the body's findings (400), then calls the
operation in service.py.  A refusal is a ``NativeError``: the HTTP boundary answers it with
``envelope.error`` (the code's envelope; the HTTP status 200, or mirrored when configured);
``_reply`` builds the success envelope the same way.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import anyio.to_thread
from connexion import request
from connexion.context import context
from connexion.lifecycle import ConnexionResponse
from starlette.responses import HTMLResponse, Response

from reference.errors import NativeError
from reference.rules import RULES, Finding
from reference.runtime import TOKEN_KINDS
from reference.sandbox import Sandbox
from reference.transports.http.validation import REPORT_KEY

from . import envelope, film, service, tokens

OK, UPLOADED = "操作成功 / OK", "上传成功！ / uploaded"
PARTY = "province_cloud"


def _sandbox() -> Sandbox:
    return context["sandbox"]


def _reply(code: int, body: dict[str, Any]) -> ConnexionResponse:
    status = envelope.http_status(code, envelope.mirrors(_sandbox().config))
    return ConnexionResponse(status_code=status, mimetype="application/json", headers={"content-type": envelope.MEDIA_TYPE},
                             body=json.dumps(body, ensure_ascii=False).encode("utf-8"))


def _serve(operation: str, run: Callable[[list[Finding]], Any], msg: str = OK) -> Any:
    """Run an operation; its findings go to the exchange.  A ``NativeError`` goes on to the
    HTTP boundary, which answers it in the family's envelope (``envelope.error``)."""
    draft = context["exchange"]
    draft.operation = operation
    findings: list[Finding] = []
    datas = run(findings)
    draft.add(findings)
    if isinstance(datas, Response):
        return datas
    warnings = [f for f in findings if not f.is_error]
    return _reply(200, envelope.ok(msg, datas, warnings))


def _authorised(findings: list[Finding], body: dict[str, Any] | None, mode: str) -> str:
    """The token's uid (X-Token header; the body's ``token`` is named drift), else 403."""
    header = request.headers.get("x-token")
    in_body = body.pop("token", None) if isinstance(body, dict) else None
    if in_body is not None:
        findings.append(RULES.finding("PCLOUD-TOKEN-IN-BODY", mode=mode, path="$.token"))  # type: ignore[arg-type]
    uid, problems = tokens.holder(_sandbox(), header or (in_body if isinstance(in_body, str) else None))
    if problems:
        raise NativeError(problems)
    draft = context["exchange"]
    draft.institution = uid
    fault = _sandbox().runtime.fault_for(PARTY, draft.operation, uid, TOKEN_KINDS)
    if fault is not None:  # a live token answered as expired (issue 13's fault class "expired tokens")
        draft.fault = fault.mark()
        raise NativeError([RULES.finding("PCLOUD-TOKEN-EXPIRED", expired=f"{_sandbox().now():%Y-%m-%d %H:%M:%S}")])
    return uid  # type: ignore[return-value]


def _json_operation(operation: str, op: Callable[[Sandbox, str, dict[str, Any], list[Finding]], Any], msg: str = OK) -> Any:
    report = context[REPORT_KEY]
    body = report.body if isinstance(report.body, dict) else {}

    def run(findings: list[Finding]) -> Any:
        uid = _authorised(findings, body, report.mode)
        findings += report.findings
        if any(f.is_error for f in findings):
            raise NativeError(findings)
        return op(_sandbox(), uid, body, findings)

    return _serve(operation, run, msg)


async def getToken(body: Any) -> Any:
    """权限鉴定接口 — seeds/003 公共类标准接口 (11001 / 11003 / 11004).

    The 11004 a load test hammers once the day's 30 are issued is answered from this process's
    memory when nothing was written since it was read and no fault is set (``tokens.spent_known``);
    everything else reads and writes the database in a worker thread, never on the event loop."""
    report = context[REPORT_KEY]
    # with a fault set, the serialised path (a token fault is drawn and marked even on an 11004)
    if not any(f.is_error for f in report.findings) and not _sandbox().runtime.has_faults():
        spent = tokens.spent_known(_sandbox(), report.body["uid"], report.body["appSecret"])
        if spent is not None:  # as ``run`` below raises it
            draft = context["exchange"]
            draft.operation, draft.institution = "getToken", report.body["uid"]
            raise NativeError(spent)
    return await anyio.to_thread.run_sync(_get_token)


def _get_token() -> Any:
    report = context[REPORT_KEY]

    def run(findings: list[Finding]) -> Any:
        findings += report.findings
        if any(f.is_error for f in findings):
            raise NativeError(findings)
        uid = report.body["uid"]
        context["exchange"].institution = uid
        fault = _sandbox().runtime.fault_for(PARTY, "getToken", uid, TOKEN_KINDS)
        validity = tokens.VALIDITY
        if fault is not None:  # tokens that expire early: the caller's renewal is exercised
            context["exchange"].fault = fault.mark()
            validity = timedelta(seconds=max(float(fault.params.get("ttl_s", 0)), 0))
        token, problems = tokens.issue(_sandbox(), uid, report.body["appSecret"], validity)
        if problems:
            raise NativeError(problems)
        return {"token": token}

    return _serve("getToken", run)


def savePatientExam(body: Any) -> Any:
    """检查索引数据上传接口 — seeds/003 检查类标准接口 (upsert; datas = exam id)."""
    return _json_operation("savePatientExam", service.save_patient_exam, UPLOADED)


def saveReminderCallRecord(body: Any) -> Any:
    """调阅记录上传接口 — seeds/003 公共类标准接口."""
    return _json_operation("saveReminderCallRecord", lambda s, u, b, f: service.save_record(s, u, "reminder", b, f), UPLOADED)


def saveRecognExamRecord(body: Any) -> Any:
    """检查互认/引用结果上传接口 — seeds/003 检查类标准接口."""
    return _json_operation("saveRecognExamRecord", lambda s, u, b, f: service.save_record(s, u, "recognition", b, f), UPLOADED)


def projectContrast(body: Any) -> Any:
    """检查项目编码上传接口 — seeds/003 公共类标准接口."""
    return _json_operation("projectContrast", service.project_contrast)


def getdigitalImageUrl(body: Any) -> Any:
    """云胶片URL获取接口 — seeds/003 检查类标准接口 (504 for another hospital's exam)."""
    return _json_operation("getdigitalImageUrl", service.digital_image_url)


def queryFormerlyExam(body: Any) -> Any:
    """检查结果数据查询接口 — seeds/003 检查类标准接口 (404, 409 ×2)."""
    return _json_operation("queryFormerlyExam", service.query_formerly_exam, "请求成功 / OK")


def queryExamPdfData(body: Any) -> Any:
    """检查报告结果PDF查询接口 — seeds/003 检查类标准接口 (the PDF bytes)."""
    def op(sandbox: Sandbox, uid: str, body: dict[str, Any], findings: list[Finding]) -> Response:
        digest, pdf = service.exam_pdf(sandbox, uid, body, findings)
        context["exchange"].response_digest = (digest, len(pdf))  # the recorder's record of it is kept once
        return Response(pdf, media_type="application/pdf")

    return _json_operation("queryExamPdfData", op)


async def _multipart(operation: str, form: Any, name: str, upload: Any, op: Callable[..., None]) -> Any:
    fields = {k: v for k, v in dict(form or {}).items() if isinstance(v, str)}
    data = upload or None
    about = {"filename": getattr(upload, "filename", None), "content_type": getattr(upload, "content_type", None)}
    if upload is not None and not isinstance(upload, (str, bytes)):
        try:
            data = await upload.read()
        finally:
            await upload.close()
    mode = _sandbox().config.mode_for(fields.get("hospitalCode"))
    draft = context["exchange"]

    def run(findings: list[Finding]) -> Any:
        if isinstance(data, bytes):  # the log names the file by the digest the blob store keeps it under
            about.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        draft.form = {"fields": fields, "files": {name: about} if isinstance(data, bytes) else {}}
        uid = _authorised(findings, fields, mode)
        if any(f.is_error for f in findings):
            raise NativeError(findings)
        return op(_sandbox(), uid, fields, data, findings)

    # the token lookup, the DICOM parse and the database writes in a worker thread, not on the event
    # loop (issue 12); the context (request, exchange) goes with it
    return await anyio.to_thread.run_sync(_serve, operation, run, UPLOADED)


async def uploadDicom(body: Any = None, dicomFile: Any = None) -> Any:
    """Dicom影像上传接口 — seeds/003 检查类标准接口 (multipart; UIDs checked against the file)."""
    return await _multipart("uploadDicom", body, "dicomFile", dicomFile, service.upload_dicom)


async def saveExamPdf(body: Any = None, examPdf: Any = None) -> Any:
    """检查报告结果PDF文件上传接口 — seeds/003 检查类标准接口 (a PDF of at most 2 MB)."""
    return await _multipart("saveExamPdf", body, "examPdf", examPdf, service.save_exam_pdf)


def filmPage(Info: str) -> Response:
    """The cloud-film page of getdigitalImageUrl's URL (sandbox-defined)."""
    context["exchange"].operation = "filmPage"
    return HTMLResponse(film.film_page(_sandbox(), Info))


def filmImage(Info: str, sop: str, size: int | None = None) -> Response:
    """One uploaded image rendered with its own window/level."""
    context["exchange"].operation = "filmImage"
    return Response(film.film_png(_sandbox(), Info, sop, size), media_type="image/png",
                    headers={"cache-control": "max-age=3600"})


def filmPdf(Info: str) -> Response:
    """The report PDF of the film page."""
    context["exchange"].operation = "filmPdf"
    return Response(film.film_pdf(_sandbox(), Info), media_type="application/pdf")
