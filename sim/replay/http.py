"""Recorded HTTP exchanges as ``http.send`` steps (record and replay, issue 13).

The provincial cloud (seeds/003) and the regional platform (seeds/004) issue tokens: a recorded
getToken becomes the action that asks for one with the institution's configured secret
(``province_cloud.token`` / ``regional.token``), capturing it; later calls send the captured
token in the header the party reads (``X-Token`` / ``token``; the log keeps no request header
but the content type, so the caller's last token is meant).  An ``x-imgcloud-sm2`` field
(``idCardNo``) is decrypted with the sandbox's key and becomes a ``province_cloud.sm2_encrypt``
step, so the replay sends a fresh ciphertext of the same plaintext in the same form.  Bodies the
log kept whole are replayed as sent (JSON, text, or bytes: a multipart upload); a body kept as
size + sha256 only is replayed when its bytes are downloadable from the recording sandbox,
else listed as not replayable.
"""
from __future__ import annotations

from typing import Any

from reference.crypto import sm2

from .plan import Download, Plan, escape

#: party -> (the header its token travels in, the getToken operation, where its reply holds the token)
TOKENS = {"province_cloud": ("X-Token", "getToken", "$.datas.token"),
          "regional_platform": ("token", "authGetToken", "$.result.token")}
#: A recorded refusal of the token itself: replayed without one / with one the party never issued.
NO_TOKEN = ("PCLOUD-TOKEN-MISSING", "REGIONAL-TOKEN-MISSING")
UNKNOWN_TOKEN = ("PCLOUD-TOKEN-UNKNOWN", "REGIONAL-TOKEN-UNKNOWN")
EXPIRED_TOKEN = ("PCLOUD-TOKEN-EXPIRED", "REGIONAL-TOKEN-EXPIRED")
#: Fields the cloud reads SM2-encrypted (openapi/province-cloud.yaml ``x-imgcloud-sm2``).
SM2_FIELDS = ("idCardNo",)
#: Bodies larger than this are not embedded in a scenario file.
EMBED_LIMIT = 4 * 1024 * 1024



def expectations(exchange: dict[str, Any]) -> list[dict[str, Any]]:
    """The recorded answer: HTTP status, the reply's code (003 ``code``, 004 ``status``), the
    error findings (checked on the replayed exchange when the sandbox logs it)."""
    out: list[dict[str, Any]] = [{"path": "$.status", "equals": exchange["status"]}]
    reply = (exchange.get("response") or {}).get("json")
    if isinstance(reply, dict):
        out += [{"path": f"$.json.{key}", "equals": reply[key]} for key in ("code", "status", "errorCode", "success")
                if key in reply and isinstance(reply[key], (int, str, bool))]
    out += [{"finding": rule} for rule in _error_rules(exchange)]
    return out


def _error_rules(exchange: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(str(f["rule"]) for f in exchange.get("findings") or [] if f.get("severity") == "error"))


def token_step(plan: Plan, exchange: dict[str, Any]) -> None:
    """A recorded getToken / authGetToken: the action asking for a token at replay time."""
    party, institution = str(exchange["party"]), str(exchange.get("institution") or "")
    reply = (exchange.get("response") or {}).get("json") or {}
    step: dict[str, Any] = {"id": f"x{exchange['id']}", "title": _title(exchange)}
    if party == "province_cloud":
        ok = reply.get("code") == 200
        # a refused secret (logged masked) is sent again as logged: still not the secret
        secret = {} if ok else {"secret": str(((exchange.get("request") or {}).get("json") or {}).get("appSecret", ""))}
        step.update(action="province_cloud.token", **{"with": {"uid": institution, **secret}},
                    expect=[{"path": "$.status", "equals": exchange["status"]},
                            {"path": "$.code", "equals": reply.get("code")}, *_findings(exchange)])
        if ok:
            plan.token_var(step, party, institution, "$.token")
    else:
        ok = reply.get("status") == 0
        step.update(action="regional.token", **{"with": {"hospital": institution, **({} if ok else {"key": "other"})}},
                    expect=[{"path": "$.httpStatus", "equals": exchange["status"]},
                            {"path": "$.status", "equals": reply.get("status")}, *_findings(exchange)])
        if ok:
            plan.token_var(step, party, institution, "$.result.token")
    plan.add(step)


def _findings(exchange: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"finding": rule} for rule in _error_rules(exchange)]


def _title(exchange: dict[str, Any]) -> str:
    return f"录制的交换 / recorded exchange #{exchange['id']} ({exchange['time']}): {exchange.get('operation') or ''}"


def _token_header(plan: Plan, exchange: dict[str, Any]) -> dict[str, str] | str:
    """The token header of a call to a token-issuing party, or why it cannot be replayed."""
    party, institution = str(exchange["party"]), str(exchange.get("institution") or "")
    header, _, path = TOKENS[party]
    rules = set(_error_rules(exchange))
    if rules & set(NO_TOKEN):
        return {}
    if rules & set(UNKNOWN_TOKEN):
        return {header: "replayed-token-never-issued"}
    if rules & set(EXPIRED_TOKEN):
        return "sent an expired token: a replay cannot make one expire (seeds/003 / 004 token lifetime)"
    var = plan.tokens.get((party, institution))
    if var is None:  # the recording began with a token already held: ask for one first
        step = plan.add({"id": f"x{exchange['id']}-token", "title": f"{institution} 先取令牌 / a token first",
                         **_token_action(party, institution)})
        var = plan.token_var(step, party, institution, "$.token" if party == "province_cloud" else path)
    return {header: "${" + var + "}"}


def _token_action(party: str, institution: str) -> dict[str, Any]:
    if party == "province_cloud":
        return {"action": "province_cloud.token", "with": {"uid": institution}}
    return {"action": "regional.token", "with": {"hospital": institution}}


def _sm2_fields(plan: Plan, exchange: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with each SM2 field that decrypts with the sandbox's key as the variable of a
    ``province_cloud.sm2_encrypt`` step (same plaintext, layout, encoding and prefix); one that
    does not decrypt is the vendor's mistake, kept as sent."""
    out = dict(body)
    for name in SM2_FIELDS:
        value = body.get(name)
        if not isinstance(value, str):
            continue
        try:
            plain = sm2.decrypt(value, sm2.issued_key(plan.config))
        except sm2.SM2Error:
            continue
        var = f"sm2_x{exchange['id']}_{name}"
        plan.add({"id": f"x{exchange['id']}-{name}",
                  "title": f"{name} 重新以SM2加密（同一明文） / {name} encrypted afresh (same plaintext)",
                  "action": "province_cloud.sm2_encrypt",
                  "with": {"plaintext": escape(plain.plaintext), "layout": plain.layout, "encoding": plain.encoding,
                           "prefix": plain.prefixed},
                  "capture": {var: "$.ciphertext"}})
        out[name] = "${" + var + "}"
    return out


def _payload(plan: Plan, exchange: dict[str, Any], download: Download) -> dict[str, Any] | str:
    """What the step sends (``json`` / ``text`` / ``base64``), or why it cannot be replayed."""
    import base64

    request = exchange.get("request") or {}
    if "json" in request:
        body = request["json"]
        if isinstance(body, dict) and exchange.get("party") == "province_cloud":
            return {"json": _sm2_fields(plan, exchange, plan.substitute(body))}
        return {"json": plan.substitute(body)}
    if isinstance(request.get("body"), str):
        return {"text": plan.hide_credentials(escape(request["body"]), exchange.get("institution"))}
    if "base64" in request:
        return {"base64": request["base64"]}
    if request.get("truncated"):
        size = int(request.get("size") or 0)
        if size > EMBED_LIMIT:
            return f"body of {size} bytes (sha256 {str(request.get('sha256'))[:16]}…), over the {EMBED_LIMIT} bytes embedded"
        if isinstance(request.get("form"), dict):
            return _form(plan, exchange, request["form"], download)
        data = download(exchange, "request", None)
        if data is None:
            return (f"body of {size} bytes kept as size + sha256 only (sha256 {str(request.get('sha256'))[:16]}…); "
                    "the recording sandbox holds no blob of it")
        return {"base64": base64.b64encode(data).decode("ascii")}
    return {}


def _form(plan: Plan, exchange: dict[str, Any], form: dict[str, Any], download: Download) -> dict[str, Any] | str:
    """A multipart upload the log kept as size + sha256 + its ``form``: its fields, and each file's
    bytes from the recording sandbox's blob store (by sha256), re-encoded at replay."""
    import base64

    files: dict[str, Any] = {}
    for name, about in (form.get("files") or {}).items():
        data = download(exchange, "request", f"form.files.{name}")
        if data is None:
            return (f"the uploaded file {name} (sha256 {str(about.get('sha256'))[:16]}…) is not in the recording "
                    "sandbox's blob store (an upload it refused is not kept)")
        files[name] = {"filename": escape(about.get("filename")), "content_type": about.get("content_type"),
                       "base64": base64.b64encode(data).decode("ascii")}
    return {"form": {"fields": plan.substitute(form.get("fields") or {}), "files": files}}


def send_step(plan: Plan, exchange: dict[str, Any], download: Download) -> None:
    """Any other recorded HTTP request: ``http.send`` with its method, path, content type and body."""
    party = str(exchange.get("party") or "")
    headers: dict[str, str] = {}
    content_type = ((exchange.get("request") or {}).get("headers") or {}).get("content-type")
    if content_type:
        headers["content-type"] = content_type
    if party in TOKENS and exchange.get("transport") == "http" and exchange.get("method") == "POST" \
            and exchange.get("institution"):  # its API calls (not its SOAP service, nor a film page)
        token = _token_header(plan, exchange)
        if isinstance(token, str):
            plan.skip(exchange, token)
            return
        headers.update(token)
    payload = _payload(plan, exchange, download)
    if isinstance(payload, str):
        plan.skip(exchange, payload)
        return
    path = str(exchange.get("url") or "")
    url_var = plan.url_var(path) if "?" in path else None
    where = {"url": "${" + url_var + "}"} if url_var else {"party": party, "path": escape(path)}
    if url_var:
        where["party"] = party
    step = plan.add({"id": f"x{exchange['id']}", "title": _title(exchange), "action": "http.send",
                     "with": {**where, "method": exchange.get("method") or "POST", **({"headers": headers} if headers else {}),
                              **payload},
                     "expect": expectations(exchange)})
    plan.produced_by(step, (exchange.get("response") or {}).get("json"), "$.json")
