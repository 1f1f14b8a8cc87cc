"""Flow D's callers (seeds/004; INTERFACES.md §5 and flow D), each over the real protocol to where
the party is reached (this sandbox when simulated, its configured address when external):

- :class:`HisClient`: the HIS sends SynApplyInfo (SOAP 1.1) to the regional platform;
- :class:`PacsClient`: the third-party PACS gets a token (RSA sign), pushes the exam and the
  statistics (REST), and C-STOREs the study and its scanned request form into the archive (DICOM);
- :class:`JiweiClient`: an imaging platform queries the primary-care platform's apply forms (AES).

Every call is recorded outbound when a sandbox is given.  ``forms_action`` is the actor lent to
the sandbox as ``jiwei.forms`` (generated apply forms for the simulated 基卫).
"""
from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from reference.config import Config, InstitutionConfig
from reference.crypto import aes, rsa
from reference.parties import base_url, endpoint_path
from reference.regional import identity
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.transports.dicom.client import DicomClient, Peer
from reference.transports.http.client import RecordingClient
from reference.transports.soap.client import SoapClient, SoapResult
from sim.fakedata.regional import RegionalExam, jiwei_form, regional_exam
from sim.synth import make_study
from sim.synth.request_form import make_request_form

PLATFORM = "regional_platform"
EXCHANGE_HEADER = "x-imgcloud-exchange"
PUBLIC_KEY_PATH = "/_sandbox/regional-platform/rsa-public-key"
_TIME = "%Y-%m-%d %H:%M:%S"


def hospital_of(config: Config, code: str) -> InstitutionConfig:
    inst = config.institution(code)
    if inst is None or inst.kind not in identity.CALLER_KINDS:
        raise KeyError(f"{code!r} is not a configured hospital")
    return inst


# -- the regional platform's RSA key and the sign -------------------------------------------------

def platform_public_key(config: Config, http: httpx.Client | None = None) -> rsa.RSA.RsaKey:
    """The platform's public key: configured (``parties.regional_platform.public_key``, PEM, what an
    external platform publishes); else asked of the platform; the seed's own when that fails."""
    if config.parties[PLATFORM].public_key:
        return rsa.load_public(str(config.parties[PLATFORM].public_key))
    try:
        client = http or httpx.Client(timeout=10)
        try:
            reply = client.get(base_url(config, PLATFORM) + PUBLIC_KEY_PATH)
        finally:
            if http is None:
                client.close()
        if reply.status_code == 200:
            return rsa.load_public(reply.json()["publicKey"])
    except (httpx.HTTPError, ValueError, KeyError):
        pass
    return rsa.issued_key(config).public_key()


def sign_text(config: Config, inst: InstitutionConfig, *, order: str = "rule", when: datetime | None = None) -> str:
    """The plaintext of a sign: 004's rule ``appId,orgId,license`` (``,time`` when ``when``), the
    table's ``appId,license,time`` (``order="table"``), or the rule's fields reversed (``order="reversed"``)."""
    app, org, lic = identity.app_id(config, inst), identity.regional_code(inst), identity.license_for(config, inst)
    stamp = f"{when:{_TIME}}" if when else None
    if order == "table":
        return f"{app},{lic},{stamp or ''}"
    fields = [app, org, lic] if order == "rule" else [lic, org, app]
    return ",".join([*fields, *([stamp] if stamp else [])])


def make_sign(config: Config, inst: InstitutionConfig, *, public_key: rsa.RSA.RsaKey | None = None, padding: str = "pkcs1",
              order: str = "rule", when: datetime | None = None) -> str:
    key = public_key or rsa.issued_key(config).public_key()
    text = sign_text(config, inst, order=order, when=when)
    return rsa.encrypt_sign(text, key, padding="oaep" if padding == "oaep" else "pkcs1")


# -- replies ----------------------------------------------------------------------------------------

def reply_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {"text": response.text[:500]}
    return {"httpStatus": response.status_code, "exchange": response.headers.get(EXCHANGE_HEADER),
            **(body if isinstance(body, dict) else {"body": body})}


def judge_platform(response: httpx.Response) -> list[Finding]:
    """The platform's answer: status 0."""
    try:
        body = response.json()
    except ValueError:
        return [RULES.finding("SIM-PEER-REJECTED", code=response.status_code, message=response.text[:200])]
    if isinstance(body, dict) and body.get("status") == 0:
        return []
    message = body.get("message") if isinstance(body, dict) else str(body)[:200]
    return [RULES.finding("SIM-PEER-REJECTED", code=body.get("status") if isinstance(body, dict) else "?", message=message)]


class PacsClient:
    """The third-party PACS of one hospital (004 §3.2)."""

    def __init__(self, config: Config, hospital: str, *, sandbox: Sandbox | None = None,
                 http: httpx.Client | None = None) -> None:
        self.config, self.inst, self.sandbox = config, hospital_of(config, hospital), sandbox
        self.client = RecordingClient(sandbox, party="hospital", family="regional-archive", timeout=60)
        if http is not None:
            self.client.http = http
        self.token: str | None = None

    def _url(self, operation: str) -> str:
        path = endpoint_path(PLATFORM, operation) or ""
        return base_url(self.config, PLATFORM) + path.replace("{project}", self.config.parties[PLATFORM].project)

    def get_token(self, sign: str | None = None) -> dict[str, Any]:
        sign = sign or make_sign(self.config, self.inst, public_key=platform_public_key(self.config, self.client.http))
        response = self.client.post_json(self._url("authGetToken"), {"sign": sign}, operation="authGetToken",
                                         institution=self.inst.code, judge=judge_platform)
        out = reply_of(response)
        if out.get("status") == 0:
            self.token = out["result"]["token"]
        return out

    def _post(self, operation: str, body: Any) -> dict[str, Any]:
        if self.token is None:
            self.get_token()
        response = self.client.request("POST", self._url(operation), operation=operation, institution=self.inst.code,
                                       judge=judge_platform, json=body, headers={"token": self.token or ""})
        return reply_of(response)

    def push(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._post("examPush", body)

    def statistics(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        return self._post("examUploadStatistics", items)

    def store(self, files: list[bytes]) -> dict[str, Any]:
        """C-STORE ``files`` into the archive (the platform's AE), one association."""
        cfg = self.config.parties[PLATFORM]
        peer = Peer(cfg.ae_title or "CLOUD_ARCHIVE", cfg.host or self.config.listen.host, cfg.port or 11113)
        calling = self.config.parties["hospital"].ae_title or "HOSP_PACS"
        with tempfile.TemporaryDirectory(prefix="imgcloud-store-") as tmp:
            paths = []
            for i, data in enumerate(files):
                path = Path(tmp) / f"{i:04d}.dcm"
                path.write_bytes(data)
                paths.append(path)
            result = DicomClient(self.sandbox, calling=calling, party="hospital").store(peer, paths)
        return {"status": result.status, "ok": result.ok, "counts": result.counts,
                "findings": [f.to_dict() for f in result.findings]}

    def close(self) -> None:
        self.client.close()


def study_files(r: RegionalExam, *, seed: int, per_series: int = 1, form: bool = True) -> list[bytes]:
    """The exam's images (``per_series`` per series) and, first, its scanned request form (series 0)."""
    images = [i.data for i in make_study(r.exam, seed=seed, instances_per_series=per_series)]
    return ([make_request_form(r.exam, seed=seed, apply_no=r.apply_no).data] if form else []) + images


# -- the HIS (SynApplyInfo) --------------------------------------------------------------------------

def judge_apply(result: str) -> list[Finding]:
    """The platform's ``<response>``: code 0."""
    from reference.families.regional_archive.notify import judge

    return judge(result)


class HisClient:
    """The HIS of one hospital calling the platform's SynApplyInfo (004 §3.4.1.1)."""

    WSDL = "soap/syninfo.wsdl"

    def __init__(self, config: Config, hospital: str, *, sandbox: Sandbox | None = None) -> None:
        self.config, self.inst = config, hospital_of(config, hospital)
        self.soap = SoapClient(sandbox, party="hospital", family="syninfo", wsdl_file=self.WSDL,
                               namespace=config.parties[PLATFORM].soap_namespace)

    @property
    def url(self) -> str:
        return base_url(self.config, PLATFORM) + self.soap.service.path

    def apply(self, document: str) -> SoapResult:
        return self.soap.call(self.url, "SynApplyInfo", {"req": document}, institution=self.inst.code, judge=judge_apply)

    def close(self) -> None:
        self.soap.close()


# -- the primary-care platform (基卫) -----------------------------------------------------------------

class JiweiClient:
    """An imaging platform querying 基卫's apply forms for one hospital (004 §3.1)."""

    def __init__(self, config: Config, hospital: str, *, sandbox: Sandbox | None = None, key: str | None = None) -> None:
        self.config, self.inst = config, hospital_of(config, hospital)
        self.key = key or identity.jiwei_key(config, self.inst)
        self.client = RecordingClient(sandbox, party="hospital", family="jiwei", timeout=30)

    def query(self, params: dict[str, Any], *, raw_param: str | None = None) -> dict[str, Any]:
        """POST the query; the reply with ``param`` decrypted (``decrypted``) when it is a success."""
        url = base_url(self.config, "jiwei") + (endpoint_path("jiwei", "applyForm") or "")
        param = raw_param if raw_param is not None else aes.encrypt(json.dumps(params, ensure_ascii=False), self.key)
        response = self.client.post_json(url, {"param": param}, operation="applyForm", institution=self.inst.code,
                                         judge=lambda r: [] if r.json().get("success") == "true" else
                                         [RULES.finding("SIM-PEER-REJECTED", code=r.json().get("errorCode"),
                                                        message=r.json().get("errorMsg"))])
        out = reply_of(response)
        if out.get("success") == "true" and isinstance(out.get("param"), str):
            out["decrypted"] = json.loads(aes.decrypt(out["param"], self.key))
        return out

    def close(self) -> None:
        self.client.close()


def forms_action(sandbox: Sandbox, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The actor ``jiwei.forms``: ``count`` generated apply forms of ``hospital`` (exams ``start``… of ``seed``)."""
    seed = body.get("seed")
    start, count = int(body.get("start", 0)), int(body.get("count", 20))
    return [jiwei_form(regional_exam(sandbox.config, str(body["hospital"]), seed=int(seed) if seed is not None else None,
                                     index=i, on=sandbox.now().date())) for i in range(start, start + count)]
