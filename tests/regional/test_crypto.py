"""AES of the primary-care platform and RSA of the regional platform (seeds/004 §3.1.1.3,
§3.2.2.5): what an integrator sends is decrypted, and each way it can be wrong is named."""
from __future__ import annotations

import base64

import pytest
from Crypto.Cipher import AES
from Crypto.Util.Padding import pad

from reference.config import load_config
from reference.crypto import aes, rsa
from reference.regional import identity

KEY = "0123456789abcdef"
TEXT = '{"medicarecode":"E220100284002953143","yyid00":"0011","businesstype":"1","type":"2"}'


def test_aes_round_trip_is_004s_java():
    value = aes.encrypt(TEXT, KEY)
    # what 004's Java does: AES/ECB/PKCS5Padding of the UTF-8 bytes, base64
    expected = base64.b64encode(AES.new(KEY.encode(), AES.MODE_ECB).encrypt(pad(TEXT.encode(), 16))).decode()
    assert value == expected
    assert aes.decrypt(value, KEY) == TEXT
    # sun.misc.BASE64Encoder breaks lines every 76 characters: still read
    wrapped = "\r\n".join(value[i:i + 76] for i in range(0, len(value), 76))
    assert aes.decrypt(wrapped, KEY) == TEXT


@pytest.mark.parametrize(("value", "kind"), [
    ("not base64 at all!", "base64"),
    ("", "base64"),
    (base64.b64encode(b"0123456789").decode(), "blocks"),
    (aes.encrypt(TEXT, "fedcba9876543210"), "wrong-key"),
    (base64.b64encode(AES.new(KEY.encode(), AES.MODE_CBC, iv=bytes(16)).encrypt(pad(TEXT.encode(), 16))).decode(), "cbc"),
    (base64.b64encode(AES.new(KEY.encode(), AES.MODE_CBC, iv=KEY.encode()).encrypt(pad(TEXT.encode(), 16))).decode(), "cbc"),
    (base64.b64encode(AES.new(KEY.encode().ljust(32, b"\0"), AES.MODE_ECB).encrypt(pad(TEXT.encode(), 16))).decode(),
     "key-length"),
    (base64.b64encode(AES.new(KEY.encode(), AES.MODE_ECB).encrypt(pad(b"\xff\xfe\xfd" * 7, 16))).decode(), "utf8"),
])
def test_aes_failures_are_named(value, kind):
    with pytest.raises(aes.AESError) as caught:
        aes.decrypt_any(value, {"H1": KEY})
    assert caught.value.kind == kind


def test_aes_key_must_be_16_bytes():
    with pytest.raises(aes.AESError) as caught:
        aes.encrypt(TEXT, "short")
    assert caught.value.kind == "key" and "16" in caught.value.detail
    with pytest.raises(aes.AESError):
        aes.encrypt(TEXT, "一二三四五六七八九十一二三四五六")  # 16 characters, 48 bytes


def test_aes_finds_the_owner_among_issued_keys():
    config = load_config(None)
    keys = {i.code: identity.jiwei_key(config, i) for i in identity.hospitals(config)}
    assert len(set(keys.values())) == len(keys) and all(len(k) == 16 for k in keys.values())
    owner, text = aes.decrypt_any(aes.encrypt(TEXT, keys["H51080200012"]), keys)
    assert (owner, text) == ("H51080200012", TEXT)


def test_rsa_key_is_derived_from_the_seed():
    a, b = rsa.key_for_seed(20251122), rsa.key_for_seed(20251122)
    assert a.n == b.n and a.size_in_bits() == 2048
    assert rsa.key_for_seed(1).n != a.n
    assert rsa.load_public(rsa.public_pem(load_config(None))).n == a.n
    assert rsa.load_public(rsa.public_base64(load_config(None))).n == a.n
    assert "PRIVATE" not in rsa.public_pem(load_config(None))


def test_rsa_sign_and_its_mistakes():
    key = rsa.key_for_seed(20251122)
    sign = rsa.encrypt_sign("app,0011,LICENSE", key.public_key())
    assert len(sign) == 344  # 004's VC(256) cannot hold an RSA-2048 ciphertext in base64
    assert rsa.decrypt_sign(sign, key) == "app,0011,LICENSE"
    cases = [(rsa.encrypt_sign("x", key.public_key(), padding="oaep"), "oaep"),
             (rsa.encrypt_sign("x", rsa.key_for_seed(1).public_key()), "wrong-key"),
             ("!!", "base64"), (base64.b64encode(b"x" * 128).decode(), "length"),
             (base64.b64encode(b"\xff" * 256).decode(), "wrong-key")]  # not below the modulus
    for value, kind in cases:
        with pytest.raises(rsa.SignError) as caught:
            rsa.decrypt_sign(value, key)
        assert caught.value.kind == kind


def test_an_oaep_sign_that_passes_pkcs1_v15_by_chance_is_still_named_oaep():
    """About 1 OAEP ciphertext in 430 also passes PKCS#1 v1.5's padding check (to bytes that are not
    text): it is still diagnosed as OAEP, not as a plaintext that is not UTF-8."""
    import random

    from Crypto.Cipher import PKCS1_OAEP, PKCS1_v1_5

    key = rsa.key_for_seed(20251122)
    for seed in range(5000):
        draw = random.Random(seed)
        data = PKCS1_OAEP.new(key.public_key(), randfunc=draw.randbytes).encrypt(b"app,0011,LICENSE")
        if PKCS1_v1_5.new(key).decrypt(data, None) is not None:
            break
    else:
        pytest.fail("no OAEP ciphertext passing v1.5's check in 5000")
    with pytest.raises(rsa.SignError) as caught:
        rsa.decrypt_sign(base64.b64encode(data).decode(), key)
    assert caught.value.kind == "oaep"
