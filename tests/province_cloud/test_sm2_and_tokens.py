"""SM2 (reference/crypto/sm2.py) and the token lifecycle of getToken (seeds/003 权限鉴定接口)."""
from __future__ import annotations

import pytest

from reference.crypto import sm2
from tests.province_cloud.helpers import H1, ID_CARD, enc, exam_body, post, secret, token

KEY = sm2.key_pair_for_seed(20251122)


@pytest.mark.parametrize("encoding", ["hex", "base64"])
@pytest.mark.parametrize("prefix", [True, False])
def test_c1c3c2_variants_decrypt(encoding, prefix):
    text = sm2.encrypt(ID_CARD, KEY.public_key, encoding=encoding, prefix=prefix)
    got = sm2.decrypt(text, KEY)
    assert (got.plaintext, got.layout, got.encoding, got.prefixed) == (ID_CARD, "C1C3C2", encoding, prefix)


@pytest.mark.parametrize("text,kind", [
    (sm2.encrypt(ID_CARD, KEY.public_key, layout="C1C2C3"), "c1c2c3"),
    (sm2.encrypt(ID_CARD, sm2.key_pair_for_seed(1).public_key), "wrong-key"),
    ("zz!!", "encoding"),
    (ID_CARD, "plaintext"),
    ("ab" * 120, "not-ciphertext"),
])
def test_each_failure_says_which(text, kind):
    with pytest.raises(sm2.SM2Error) as info:
        sm2.decrypt(text, KEY)
    assert info.value.kind == kind


def test_key_is_deterministic_and_published(running):
    assert sm2.key_pair_for_seed(20251122) == KEY and sm2.key_pair_for_seed(2) != KEY
    r = running.client.get("/_sandbox/province-cloud/sm2-public-key")
    assert r.json()["publicKey"] == sm2.issued_key(running.config).public_key
    assert "private" not in repr(KEY) and KEY.private_hex not in repr(KEY)


@pytest.mark.parametrize("variant,rule", [
    ({"layout": "C1C2C3"}, "PCLOUD-SM2-C1C2C3"), (None, "PCLOUD-SM2-PLAINTEXT")])
def test_sm2_diagnostics_are_400(running, variant, rule):
    tok = token(running)
    body = exam_body(running)
    body["idCardNo"] = enc(running, **variant) if variant else ID_CARD
    r = post(running, "savePatientExam", body, tok)
    assert r.json()["code"] == 400 and rule in r.json()["msg"]


def test_11001_then_11003_lock_for_10_minutes(running, clock):
    for n in range(1, 6):
        r = running.client.post("/interface/getToken", json={"uid": H1, "appSecret": "wrong"})
        assert r.json()["code"] == 11001, n
    r = running.client.post("/interface/getToken", json={"uid": H1, "appSecret": "wrong"})
    assert r.json()["code"] == 11003
    r = running.client.post("/interface/getToken", json={"uid": H1, "appSecret": secret(running, H1)})
    assert r.json()["code"] == 11003, "locked even with the right secret"
    running.restart()  # state is in the database
    clock.advance(minutes=9, seconds=59)
    assert running.client.post("/interface/getToken", json={"uid": H1, "appSecret": secret(running, H1)}).json()["code"] == 11003
    clock.advance(seconds=1)
    assert token(running)


def test_right_secret_resets_the_count(running):
    for _ in range(5):
        running.client.post("/interface/getToken", json={"uid": H1, "appSecret": "wrong"})
    token(running)
    assert running.client.post("/interface/getToken", json={"uid": H1, "appSecret": "wrong"}).json()["code"] == 11001


def test_11004_after_30_tokens_a_day_and_the_day_boundary(running, clock):
    clock.advance(hours=13, minutes=29)  # 23:59 China time
    for _ in range(30):
        token(running)
    running.restart()
    r = running.client.post("/interface/getToken", json={"uid": H1, "appSecret": secret(running, H1)})
    assert r.json()["code"] == 11004 and r.status_code == 200
    clock.advance(minutes=1)  # 00:00 the next day
    assert token(running)


def test_at_the_daily_limit_wrong_secrets_still_count_and_a_right_one_resets_them(running):
    """11004 is answered without the writer lock only when that changes nothing (issue 12): a right
    secret after a wrong one still resets the count, so the lock comes at the 6th wrong in a row."""
    right = {"uid": H1, "appSecret": secret(running, H1)}
    for _ in range(30):
        token(running)
    codes = [running.client.post("/interface/getToken", json=body).json()["code"]
             for body in [right, {"uid": H1, "appSecret": "wrong"}, right] + [{"uid": H1, "appSecret": "wrong"}] * 6]
    assert codes == [11004, 11001, 11004] + [11001] * 5 + [11003], codes


def test_400_for_a_malformed_token_request(running):
    r = running.client.post("/interface/getToken", json={"uid": H1})
    assert r.json()["code"] == 400 and "appSecret" in r.json()["msg"]


def test_token_in_body_is_named_drift(make_config, make_running):
    for mode, code in (("strict", 400), ("lenient", 200)):
        running = make_running(make_config(validation={"mode": mode}))
        tok = token(running)
        body = {**exam_body(running), "token": tok}
        r = post(running, "savePatientExam", body, None)
        assert r.json()["code"] == code and "PCLOUD-TOKEN-IN-BODY" in r.json()["msg"], mode


def test_mirror_status(make_config, make_running):
    running = make_running(make_config(parties={"province_cloud": {"mode": "simulated", "mirror_status": True}}))
    r = post(running, "getdigitalImageUrl", {"examId": "1"}, None)
    assert r.status_code == 403 and r.json()["code"] == 403
