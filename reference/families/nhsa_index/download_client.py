"""The province's client of a centre's image download service (seeds/000 §1.3–1.4).

Every answer is checked as it arrives, and the findings go on the outbound exchange
record: this is how a real imaging centre is contract-tested when ``imaging_centre``
is external.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx

from reference.dicomio import NotDicom, identify_uids
from reference.resources import contract
from reference.rules import RULES, Finding
from reference.transports.http.client import RecordingClient
from reference.transports.http.specs import resolved_spec
from reference.validation.schema import compile_schema, validate

LIST_SERVICE, FILE_SERVICE = "queryImgCaheFileSn", "queryImgCahe"


@cache
def _schema(name: str) -> Any:
    """The compiled validator of an envelope schema: built once per process, not per reply."""
    shared = resolved_spec(contract("_shared/nhsa-envelope.yaml"))
    return compile_schema(shared["components"]["schemas"][name], "default")


@dataclass
class Reply:
    body: dict[str, Any] | None
    findings: list[Finding] = field(default_factory=list)
    dicom: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.body is not None and not any(f.is_error for f in self.findings)


def _envelope(response: httpx.Response, service: str, hi: str, schema: str) -> Reply:
    try:
        body = response.json()
    except ValueError as exc:
        return Reply(None, [RULES.finding("PULL-REPLY-INVALID", service=service, detail=f"not JSON: {exc}")])
    if not isinstance(body, dict) or body.get("code") != 0:
        code = body.get("code") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else str(body)[:200]
        return Reply(None, [RULES.finding("PULL-REJECTED", service=service, code=code, message=message)])
    problems = validate(_schema(schema), body, "strict")
    if problems:
        detail = "; ".join(f"{p.path}: {p.en}" for p in problems[:5])
        return Reply(None, [RULES.finding("PULL-REPLY-INVALID", service=service, detail=detail)])
    data = body["data"]
    if data.get("hiImgIndx") != hi:
        return Reply(body, [RULES.finding("PULL-INDEX-MISMATCH", expected=hi, actual=data.get("hiImgIndx"))])
    return Reply(body)


def _check_file(reply: Reply, entry: dict[str, str]) -> Reply:
    if not reply.ok or reply.body is None:
        return reply
    try:
        data = base64.b64decode(reply.body["data"]["fileContent"], validate=True)
    except (binascii.Error, ValueError) as exc:
        reply.findings.append(RULES.finding("PULL-BASE64", detail=str(exc)))
        return reply
    try:
        study, series, sop = identify_uids(data)  # the UIDs only: the pull files the instance, reads no text
    except NotDicom as exc:
        reply.findings.append(RULES.finding("PULL-NOT-DICOM", detail=str(exc)))
        return reply
    for tag, actual, field_name in (("StudyInstanceUID", study, "examUuid"),
                                    ("SeriesInstanceUID", series, "snUuid"),
                                    ("SOPInstanceUID", sop, "instUuid")):
        if actual != entry.get(field_name):
            reply.findings.append(RULES.finding("PULL-UID-MISMATCH", tag=tag, actual=actual,
                                                field=field_name, expected=entry.get(field_name)))
    reply.dicom = data
    return reply


class ImageDownloadClient:
    def __init__(self, client: RecordingClient, *, institution: str | None = None) -> None:
        self.client, self.institution = client, institution

    def _post(self, url: str, body: dict[str, Any], service: str, check) -> Reply:
        result: list[Reply] = []

        def judge(response: httpx.Response) -> Sequence[Finding]:
            result.append(check(response))
            return result[0].findings

        try:
            self.client.post_json(url, body, operation=service, institution=self.institution, judge=judge)
        except httpx.HTTPError as exc:
            return Reply(None, [RULES.finding("PULL-UNREACHABLE", url=url, detail=f"{type(exc).__name__}: {exc}")])
        return result[0]

    def file_list(self, url: str, hi: str) -> tuple[list[dict[str, str]], list[Finding]]:
        reply = self._post(url, {"hiImgIndx": hi, "serviceName": LIST_SERVICE}, LIST_SERVICE,
                           lambda r: _envelope(r, LIST_SERVICE, hi, "FileSnListEnvelope"))
        entries = list(reply.body["data"]["imgFileSnList"]) if reply.ok and reply.body else []
        if reply.ok and not entries:
            reply.findings.append(RULES.finding("PULL-EMPTY-LIST", hi=hi))
        return entries, reply.findings

    def file(self, url: str, hi: str, entry: dict[str, str]) -> Reply:
        body = {"hiImgIndx": hi, "imgFileSn": entry, "serviceName": FILE_SERVICE}
        return self._post(url, body, FILE_SERVICE,
                          lambda r: _check_file(_envelope(r, FILE_SERVICE, hi, "FileContentEnvelope"), entry))
