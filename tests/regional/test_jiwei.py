"""The primary-care platform's apply forms (seeds/004 §3.1; INTERFACES.md §5): AES/ECB/PKCS5 with
the issued key in and out; each failure named separately, errorCode 98 in clear."""
from __future__ import annotations

import base64
import json

import pytest
from Crypto.Cipher import AES
from Crypto.Util.Padding import pad

from reference.crypto import aes
from reference.regional import identity
from sim.fakedata.regional import jiwei_form, jiwei_query
from tests.regional.helpers import HOSPITAL, exam

PATH = "/jiwei/api/applyForm"


@pytest.fixture
def key(running) -> str:  # type: ignore[no-untyped-def]
    return identity.jiwei_key(running.config, running.config.institution(HOSPITAL))


def _post(running, param: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return dict(running.client.post(PATH, json={"param": param}).json())


def test_query_with_the_issued_key(running, key):
    r = exam(running.config, 3)
    held = running.client.post("/_sandbox/actions/jiwei-forms", json={"hospital": HOSPITAL, "forms": [jiwei_form(r)]}).json()
    assert held["yyid00"] == "0011" and held["forms"][0]["applycode"] == r.apply_no
    reply = _post(running, aes.encrypt(json.dumps(jiwei_query(r)), key))
    assert reply["success"] == "true" and set(reply) == {"success", "param"}
    decrypted = json.loads(aes.decrypt(reply["param"], key))
    assert decrypted["success"] == "true" and [f["applycode"] for f in decrypted["content"]] == [r.apply_no]
    form = decrypted["content"][0]
    assert form["patname"] == r.exam.patient.name and form["idcard"] == r.exam.patient.certno
    other_kind = _post(running, aes.encrypt(json.dumps({**jiwei_query(r), "type": "1"}), key))
    assert json.loads(aes.decrypt(other_kind["param"], key))["content"] == []


def test_forms_are_generated_for_a_hospital_nobody_filled(running):
    other = running.config.institution("H51080200012")
    key = identity.jiwei_key(running.config, other)
    generated = running.client.post("/_sandbox/actions/jiwei-forms", json={"hospital": "H51080200012", "count": 3, "seed": 5}).json()
    form = generated["forms"][0]
    query = {"medicarecode": form["medicarecode"], "yyid00": "0012", "businesstype": form["businesstype"], "type": "2"}
    reply = _post(running, aes.encrypt(json.dumps(query), key))
    assert form["applycode"] in [f["applycode"] for f in json.loads(aes.decrypt(reply["param"], key))["content"]]


def _ecb(key: str, text: str, size: int = 16) -> str:
    return base64.b64encode(AES.new(key.encode().ljust(size, b"\0"), AES.MODE_ECB).encrypt(pad(text.encode(), 16))).decode()


QUERY = {"medicarecode": "E1", "yyid00": "0011", "businesstype": "1", "type": "2"}


@pytest.mark.parametrize(("make", "rule", "mentions"), [
    (lambda key: aes.encrypt(json.dumps(QUERY), "0123456789abcdef"), "JIWEI-WRONG-KEY", "AES"),
    (lambda key: "%%%", "JIWEI-NOT-BASE64", "Base64"),
    (lambda key: base64.b64encode(AES.new(key.encode(), AES.MODE_CBC, iv=bytes(16)).encrypt(pad(json.dumps(QUERY).encode(), 16))).decode(),
     "JIWEI-MODE", "ECB"),
    (lambda key: _ecb(key, json.dumps(QUERY), 32), "JIWEI-KEY-LENGTH", "16"),
    (lambda key: aes.encrypt("medicarecode=E1", key), "JIWEI-NOT-JSON", "JSON"),
    (lambda key: aes.encrypt(json.dumps([QUERY]), key), "JIWEI-NOT-OBJECT", "数组"),
    (lambda key: aes.encrypt(json.dumps({k: v for k, v in QUERY.items() if k != "medicarecode"}), key), "SCHEMA-REQUIRED",
     "medicarecode"),
    (lambda key: aes.encrypt(json.dumps({**QUERY, "businesstype": "9"}), key), "SCHEMA-ENUM", "businesstype"),
    (lambda key: aes.encrypt(json.dumps({**QUERY, "yyid00": "0012"}), key), "JIWEI-HOSPITAL", "yyid00"),
])
def test_each_failure_is_errorcode_98_naming_it(running, key, make, rule, mentions):
    reply = _post(running, make(key))
    assert reply["errorCode"] == "98" and reply["success"] == "false"
    assert f"[{rule}]" in reply["errorMsg"] and mentions in reply["errorMsg"]


def test_transport_refusals_use_the_same_envelope(running):
    reply = running.client.post(PATH, content=b"{", headers={"content-type": "application/json"})
    assert reply.status_code == 200 and reply.json()["errorCode"] == "98" and "HTTP-JSON" in reply.json()["errorMsg"]
    missing = running.client.post(PATH, json={}).json()
    assert missing["errorCode"] == "98" and "param" in missing["errorMsg"]
