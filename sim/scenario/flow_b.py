"""Scenario names of flow B (INTERFACES.md flow B; seeds/001): the hospital's exams (its PACS and
its report database), its report pull, the gateway's collection, the QR film, the viewing
plug-in (hrball, swipingIdCardNo, the bubble page) and image deletion.

Everything goes over HTTP to the party concerned (``ctx.party_url``): this sandbox when the
party is simulated, its own address when external — with ``gateway: external`` the gateway's
steps reach the vendor's gateway (a second sandbox in the tests), with ``hospital: external``
the hospital's steps reach the vendor's PACS.  Requests a step sends with its own parameters
(``gateway.get``, ``gateway.hrball`` …) set the step's exchange, so ``finding:`` expectations
read the findings the gateway logged.

With ``gateway: external`` the requests to the vendor's gateway are sent by our recording client when
the runner may write our log (``contract test``): our outbound record of each, with the contract
checks of its reply (``reference.validation.replies``), is what the verdict judges; the step's
``finding:`` checks read the gateway's own log, which is then not read.  Collection is the vendor
gateway's own affair (its schedule): ``gateway.collected`` watches for it on the wire.
"""
from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from reference.crypto import sm2
from reference.families.gateway import plugin
from reference.transports.http.client import RecordingClient
from sim.actors.province_cloud import public_key

from .registry import StepContext, StepSkipped, action, envelope

EXCHANGE_HEADER = "x-imgcloud-exchange"


def _post(ctx: StepContext, party: str, path: str, body: dict[str, Any]) -> Any:
    reply = ctx.http.post(f"{ctx.party_url(party)}{path}", json=body, timeout=600)
    reply.raise_for_status()
    return reply.json()


def _reply(ctx: StepContext, party: str, response: Any) -> dict[str, Any]:
    """A response as a step's result; its exchange becomes the step's (``finding:`` checks)."""
    ctx.exchange_uid = response.headers.get(EXCHANGE_HEADER)
    ctx.exchange_base = ctx.party_url(party)
    kind = response.headers.get("content-type", "")
    try:
        body: Any = response.json() if "json" in kind else response.text
    except ValueError:
        body = response.text
    return {"status": response.status_code, "contentType": kind, "body": body}


def _send(ctx: StepContext, operation: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """A request to the gateway: recorded on our side (outbound, its reply checked against the contract)
    when the gateway is external and the runner may write our log; else sent as is."""
    if not (ctx.is_external("gateway") and ctx.storage is not None):
        return ctx.http.request(method, url, timeout=300, **kwargs)
    client = RecordingClient(ctx.storage(), party="hospital", family="gateway", timeout=300)
    try:
        return client.request(method, url, operation=operation, **kwargs)
    finally:
        client.close()


def _encrypt(ctx: StepContext, plain: str) -> str:
    return sm2.encrypt(plain, public_key(ctx.config, ctx.http))


# -- the hospital ------------------------------------------------------------------------------------

@action("hospital.examine")
def examine(ctx: StepContext, params: dict[str, Any]) -> Any:
    """``{hospital, count, seed?, start?, refunds?, instancesPerSeries?}``: exams happen at the hospital."""
    return _post(ctx, "hospital", "/_sandbox/actions/hospital-examine", params)


@envelope("hospital.getReportInfo", path="/pacs/{hospital}/getReportInfo")
def _report_query(ctx: StepContext, institution: str, rows: list[Any], operation: str) -> Any:
    raise ValueError("getReportInfo has no envelope: give the step a body:")


@envelope("gateway.deleteImage", path="/getway/reportAndFilm/api/deleteImage")
def _delete_body(ctx: StepContext, institution: str, rows: list[Any], operation: str) -> Any:
    raise ValueError("deleteImage has no envelope: give the step a body:")


# -- the gateway: collection ------------------------------------------------------------------------

@action("gateway.pull")
def pull(ctx: StepContext, params: dict[str, Any]) -> Any:
    """``{hospital?, source?, images?, type?, days?, startTime?, endTime?, examNo?, upload?}``: collect now."""
    return _post(ctx, "gateway", "/_sandbox/actions/gateway-pull", params)


@action("gateway.collected")
def collected(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{accessNumber, modality, hospitalId}``: whether the gateway holds the exam, as its own
    interfaces show it (the gateway collects on its schedule; a vendor's has no control API): the
    film URL qrurl answers opens the film with images.  A probe: nothing is recorded."""
    query = urlencode({k: str(params[k]) for k in ("accessNumber", "modality", "hospitalId")})
    reply = ctx.http.get(f"{ctx.party_url('gateway')}/getway/reportAndFilm/api/qrurl?{query}", timeout=120)
    try:
        body = reply.json()
    except ValueError:
        body = None
    url = body.get("data") if isinstance(body, dict) else None
    if reply.status_code != 200 or not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return {"qrurl": reply.status_code, "film": None, "images": 0}
    page = ctx.http.get(url, timeout=120)
    return {"qrurl": reply.status_code, "film": page.status_code, "images": len(re.findall(r"src='([^']+)'", page.text))}


@action("gateway.exam")
def exam_state(ctx: StepContext, params: dict[str, Any]) -> Any:
    """``{hospital, accessionNo}``: what the gateway holds for it."""
    reply = ctx.http.get(f"{ctx.party_url('gateway')}/_sandbox/state/gateway/exams/{params['hospital']}/"
                         f"{params['accessionNo']}")
    reply.raise_for_status()
    return reply.json()


@action("gateway.exchanges")
def gateway_exchanges(ctx: StepContext, params: dict[str, Any]) -> Any:
    """The gateway's exchange log (where the gateway runs), filtered by ``params``."""
    return ctx.http.get(f"{ctx.party_url('gateway')}/_sandbox/exchanges", params=params).json()


# -- the gateway: its interfaces ----------------------------------------------------------------------

@action("gateway.get")
def get(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{path, query?: the raw query string, params?: a mapping}``: a GET to the gateway as sent."""
    query = params.get("query")
    if query is None and params.get("params") is not None:
        query = urlencode({k: str(v) for k, v in params["params"].items()})
    url = f"{ctx.party_url('gateway')}{params['path']}" + (f"?{query}" if query else "")
    return _reply(ctx, "gateway", _send(ctx, str(params["path"]).rstrip("/").rsplit("/", 1)[-1], "GET", url))


@action("gateway.film")
def open_film(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{url, name?, conclusion?}``: open the film page like a phone would, and its first image."""
    page = ctx.http.get(params["url"], timeout=120)
    text = html.unescape(page.text)
    images = re.findall(r"src='([^']+)'", page.text)
    first = ctx.http.get(html.unescape(f"{ctx.party_url('gateway')}{images[0]}")) if images else None
    return {"status": page.status_code, "contentType": page.headers.get("content-type", ""),
            "hasName": bool(params.get("name")) and str(params["name"]) in text,
            "hasConclusion": bool(params.get("conclusion")) and str(params["conclusion"])[:12] in text,
            "viewport": "width=device-width" in page.text, "images": len(images),
            "imageStatus": first.status_code if first is not None else None,
            "imageType": first.headers.get("content-type") if first is not None else None, "text": text[-600:]}


@action("gateway.decode_qr")
def decode_qr(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{png: base64}``: what a QR reader (zbarimg, Debian zbar-tools) reads in the PNG."""
    reader = shutil.which("zbarimg")
    if reader is None:
        raise StepSkipped("zbarimg (Debian package zbar-tools) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "qr.png"
        path.write_bytes(base64.b64decode(params["png"]))
        done = subprocess.run([reader, "-q", "--raw", str(path)], capture_output=True, text=True, timeout=60)
    return {"text": done.stdout.strip(), "returncode": done.returncode}


def _doctor(ctx: StepContext, params: dict[str, Any]) -> dict[str, str]:
    values = {k: str(v) for k, v in params.items() if k not in ("doctorIdCard", "form") and v is not None}
    if params.get("doctorIdCard"):
        values["doctorIdCardNo"] = _encrypt(ctx, str(params["doctorIdCard"]))
    return values


@action("gateway.hrball")
def hrball(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """The plug-in's login/logout as 方案三 sends it: the parameters ``$``-encoded (001 §4.4.3.1);
    ``doctorIdCard`` in clear is SM2-encrypted with the imaging cloud's key first."""
    url = plugin.build(_doctor(ctx, params), "http", base=ctx.party_url("gateway"))
    return _reply(ctx, "gateway", _send(ctx, "hrball", "GET", url))


@action("gateway.launch_string")
def launch_string(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{form: cs|bs|http, …parameters}``: the launch string, and what the gateway reads back from it."""
    text = plugin.build(_doctor(ctx, params), params.get("form", "bs"), base=ctx.party_url("gateway"))
    parsed = plugin.parse_launch(text)
    return {"text": text, "form": parsed.form, "values": parsed.values, "findings": [f.rule for f in parsed.findings]}


@action("gateway.swiping")
def swiping(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{hisUserId, hospitalId, idCard (clear, encrypted here), patientName?, method: GET|POST}``."""
    values = {"hisUserId": params["hisUserId"], "hospitalId": params["hospitalId"],
              "idCardNo": _encrypt(ctx, str(params["idCard"]))}
    if params.get("patientName"):
        values["patientName"] = params["patientName"]
    url = f"{ctx.party_url('gateway')}/iuWorkStation/swipingIdCardNo"
    if str(params.get("method", "GET")).upper() == "POST":
        return _reply(ctx, "gateway", _send(ctx, "swipingIdCardNoPost", "POST", url, json=values))
    query = "&".join(f"{k}={plugin.encode_value(v)}" for k, v in values.items())
    return _reply(ctx, "gateway", _send(ctx, "swipingIdCardNo", "GET", f"{url}?{query}"))


@action("gateway.bubble")
def bubble(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{url}``: open the bubble page, then each report and image page it links to."""
    page = ctx.http.get(params["url"], timeout=120)
    count = re.search(r"data-count='(\d+)'", page.text)
    links = [html.unescape(u) for u in re.findall(r"<a class='(?:report|images)' href='([^']+)'", page.text)]
    opened = [ctx.http.get(link, timeout=120) for link in links]
    return {"status": page.status_code, "count": int(count.group(1)) if count else None, "text": html.unescape(page.text),
            "links": [{"url": link, "status": reply.status_code, "text": html.unescape(reply.text)[:20000]}
                      for link, reply in zip(links, opened, strict=True)]}


@action("gateway.delete")
def delete_image(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{patientName, accessionNo, hospitalId, operateDoctorName, operateDateTime}``: the PACS deleted the images."""
    url = f"{ctx.party_url('gateway')}/getway/reportAndFilm/api/deleteImage"
    return _reply(ctx, "gateway", _send(ctx, "deleteImage", "POST", url, json=params))
