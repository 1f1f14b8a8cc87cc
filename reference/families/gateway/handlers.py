"""Handlers of ``openapi/gateway.yaml``, one per operationId (seeds/001 §4.3–4.5).

Query-string operations read the raw query (``params.py``) so that 001's drift can be named (they
take no arguments: Connexion's parsed values would have undone it); the JSON ones read the
inspected body.  Refusals are ``NativeError``s: the HTTP boundary answers them
in 001's envelope (``reference.collection.replies``), or as an HTML page for the pages.
"""
from __future__ import annotations

import base64
from typing import Any

from connexion import request
from connexion.context import context
from starlette.responses import HTMLResponse, Response

from reference.collection import replies
from reference.errors import NativeError
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.transports.http.validation import REPORT_KEY

from . import collect, deletion, film, params, plugin, reminder
from .qr import qr_png

FILE_TYPES = {"pdf": "application/pdf", "zip": "application/zip"}


def _sandbox() -> Sandbox:
    return context["sandbox"]


def _raw_query() -> str:
    return request.scope.get("query_string", b"").decode("utf-8", errors="replace")


def _answer(operation: str, institution: str | None, findings: list[Finding], data: Any, message: str) -> dict[str, Any]:
    """Record what was found and answer: a refusal when any finding is an error."""
    draft = context["exchange"]
    draft.operation, draft.institution = operation, institution
    if any(f.is_error for f in findings):
        raise NativeError(findings)
    draft.add(findings)
    return replies.ok(data, message, [f for f in findings if not f.is_error])


def _refuse_if_errors(findings: list[Finding]) -> None:
    if any(f.is_error for f in findings):
        raise NativeError(findings)


# -- 4.3 二维码生成接口 -----------------------------------------------------------------------------

def _film_target(operation: str) -> tuple[str, str, list[Finding]]:
    """The exam a qrurl/qrcode call names: ``(accessNumber, hospitalId, findings)``."""
    sandbox = _sandbox()
    parsed = params.parse(_raw_query())
    mode = params.mode_for(sandbox.config, parsed.values)
    context["exchange"].operation = operation
    body, findings = params.inspect(parsed.values, "QrParams", operation=operation, mode=mode, extra=parsed.findings)
    hospital = body.get("hospitalId")
    if not hospital and mode == "lenient":
        hospital = sandbox.config.parties["gateway"].collection.hospital
        findings = [f for f in findings if f.rule != "GW-PARAM-MISSING" or f.params.get("fields") != "hospitalId"]
        findings = [_without_hospital(f) for f in findings]
        findings.append(RULES.finding("GW-HOSPITAL-DEFAULTED", path="hospitalId", hospital=hospital))
    _refuse_if_errors(findings)
    exam = film.current_exam(sandbox, str(hospital), str(body["accessNumber"]))
    if exam is None:
        findings.append(RULES.finding("GW-UNKNOWN-ACCESSION", path="accessNumber", hospital=hospital,
                                      accession=body["accessNumber"]))
    elif exam.modality and body["modality"] != exam.modality:
        findings.append(RULES.finding("GW-MODALITY-MISMATCH", path="modality", modality=body["modality"],
                                      accession=body["accessNumber"], actual=exam.modality))
    _refuse_if_errors(findings)
    return str(body["accessNumber"]), str(hospital), findings


def _without_hospital(finding: Finding) -> Finding:
    """GW-PARAM-MISSING without hospitalId (lenient mode supplies it)."""
    if finding.rule != "GW-PARAM-MISSING":
        return finding
    fields = [f for f in str(finding.params["fields"]).split("、") if f != "hospitalId"]
    return RULES.finding("GW-PARAM-MISSING", fields="、".join(fields), received=finding.params["received"])


def qrurl() -> dict[str, Any]:
    """二维码生成接口 (URL) — seeds/001 §4.3: the patient's encrypted cloud-film URL."""
    access, hospital, findings = _film_target("qrurl")
    return _answer("qrurl", hospital, findings, film.film_url(_sandbox(), access, hospital), replies.LEADS[replies.OK])


def qrcode() -> dict[str, Any]:
    """二维码生成接口 (图像) — seeds/001 §4.3: the QR code of the film URL, PNG in base64."""
    access, hospital, findings = _film_target("qrcode")
    image = qr_png(film.film_url(_sandbox(), access, hospital))
    return _answer("qrcode", hospital, findings, base64.b64encode(image.png).decode("ascii"), replies.LEADS[replies.OK])


def scanFilmInfo(info: str) -> Response:
    """The cloud-film page behind the QR code (sandbox-defined; seeds/001 §4.3.1)."""
    context["exchange"].operation = "scanFilmInfo"
    return HTMLResponse(film.film_page(_sandbox(), info))


def scanFilmImage(info: str, sop: str, size: int | None = None) -> Response:
    """One image of the film, rendered with its own window/level."""
    context["exchange"].operation = "scanFilmImage"
    return Response(film.film_png(_sandbox(), info, sop, size), media_type="image/png",
                    headers={"cache-control": "max-age=3600"})


def scanFilmPdf(info: str) -> Response:
    """The report PDF of the film."""
    context["exchange"].operation = "scanFilmPdf"
    return Response(film.film_pdf(_sandbox(), info), media_type="application/pdf")


def getwayFile(fileName: str) -> Response:
    """A file the gateway's upload references (examRpotPdfI / imgInfoDcm; sandbox-defined)."""
    digest, _, ext = fileName.partition(".")
    data = collect.referenced_file(_sandbox(), digest, ext)
    if data is None:
        raise NativeError([RULES.finding("GW-FILE-UNKNOWN", name=fileName)])
    return Response(data, media_type=FILE_TYPES[ext])


# -- 4.4 外院影像调阅 -------------------------------------------------------------------------------

def hrball() -> dict[str, Any]:
    """外院调阅插件登录/退出 — seeds/001 §4.4.3.1 (方案三 HTTP; ``$``-encoded values, SM2 doctorIdCardNo)."""
    sandbox = _sandbox()
    parsed = params.parse(_raw_query(), dollar=True)
    body, findings = plugin.check(parsed.values, params.mode_for(sandbox.config, parsed.values), parsed.findings)
    context["exchange"].operation = "hrball"
    if body.get("type") == "2":
        _refuse_if_errors(findings)
        return _answer("hrball", body.get("hospitalId"), findings, plugin.logout(sandbox, body), "退出成功")
    id_number, problems = plugin.login_checks(sandbox.config, body)
    findings += problems
    _refuse_if_errors(findings)
    assert id_number is not None
    return _answer("hrball", body["hospitalId"], findings, plugin.login(sandbox, body, id_number), "登录成功")


def _remind(body: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    context["exchange"].operation = "swipingIdCardNo"
    _refuse_if_errors(findings)
    data = reminder.remind(_sandbox(), body, findings)
    return _answer("swipingIdCardNo", body["hospitalId"], findings, data, replies.LEADS[replies.OK])


def swipingIdCardNo() -> dict[str, Any]:
    """外院检查数据提醒 — seeds/001 §4.4.3.2 (GET; parameters sandbox-defined)."""
    parsed = params.parse(_raw_query(), dollar=True)
    mode = params.mode_for(_sandbox().config, parsed.values)
    body, findings = params.inspect(parsed.values, "SwipingParams", operation="swipingIdCardNo", mode=mode,
                                    extra=parsed.findings)
    return _remind(body, findings)


def swipingIdCardNoPost(body: Any) -> dict[str, Any]:
    """外院检查数据提醒 — seeds/001 §4.4.3.2 (POST, a JSON body)."""
    inspected = context[REPORT_KEY]
    checked = inspected.body if isinstance(inspected.body, dict) else {}
    received = body if isinstance(body, dict) else checked
    return _remind(checked, params.one_missing(inspected.findings, checked, "SwipingParams", received))


def bubblePage(id: str) -> Response:  # noqa: A002 - the parameter's name in the contract
    """The bubble page of a reminder (sandbox-defined; seeds/001 §4.4.2 b)."""
    context["exchange"].operation = "bubblePage"
    return HTMLResponse(reminder.bubble_page(_sandbox(), id))


# -- 4.5 影像图像删除接口 ----------------------------------------------------------------------------

def deleteImage(body: Any) -> dict[str, Any]:
    """影像图像删除接口 — seeds/001 §4.5: delete the study, withdraw the index upstream."""
    inspected = context[REPORT_KEY]
    findings = list(inspected.findings)
    data_body = inspected.body if isinstance(inspected.body, dict) else {}
    context["exchange"].operation = "deleteImage"
    _refuse_if_errors(findings)
    data = deletion.delete_image(_sandbox(), data_body, findings)
    return _answer("deleteImage", data_body.get("hospitalId"), findings, data, "删除成功")
