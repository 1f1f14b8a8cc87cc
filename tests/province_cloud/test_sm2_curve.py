"""The SM2 decryption arithmetic of issue 12 (reference/crypto/sm2_curve.py) against GB/T 32918.4-2016
Annex A's example on the recommended curve (a known answer) and against gmssl's own arithmetic."""
from __future__ import annotations

import random

import pytest
from gmssl import sm3
from gmssl.sm2 import CryptSM2, default_ecc_table

from reference.crypto import sm2, sm2_curve

# GB/T 32918.4-2016 Annex A.2 (recommended curve): d_B, P_B, message "encryption standard", C = C1 || C3 || C2
D_B = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
P_B = ("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
       "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
C1 = ("04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
      "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0")
C3 = "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"
C2 = "21886CA989CA9C7D58087307CA93092D651EFA"
G = default_ecc_table["g"]


def test_the_standards_example_decrypts_with_every_form():
    key = sm2.KeyPair(D_B.lower(), P_B.lower())
    for text in ("04" + C1 + C3 + C2, C1 + C3 + C2, (C1 + C3 + C2).lower()):
        got = sm2.decrypt(text, key)
        assert (got.plaintext, got.layout) == ("encryption standard", "C1C3C2")
    with pytest.raises(sm2.SM2Error) as info:
        sm2.decrypt(C1 + C2 + C3, key)  # the draft's order is still named
    assert info.value.kind == "c1c2c3"


def test_public_key_of_the_example_and_random_scalars_agree_with_gmssl():
    g = (int(G[:64], 16), int(G[64:], 16))
    assert sm2_curve.multiply(int(D_B, 16), *g) == (int(P_B[:64], 16), int(P_B[64:], 16))
    rng = random.Random(12)
    curve = CryptSM2(private_key="1" * 64, public_key=G)
    for k in [1, 2, 15, 16, 17, sm2_curve.N - 1, *(rng.randrange(1, sm2_curve.N) for _ in range(20))]:
        x, y = sm2_curve.multiply(k, *g) or (0, 0)
        assert f"{x:064x}{y:064x}" == curve._kg(k, G), k
    assert sm2_curve.multiply(sm2_curve.N, *g) is None  # [n]G is the point at infinity


@pytest.mark.parametrize("number", ["gmpy2", "int"])
def test_the_window_walk_agrees_with_gmssl_on_either_integer_type(number: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The width-5 NAF walk, on GMP integers and on Python's (a platform without gmpy2): the same
    points as gmssl's affine arithmetic, for keys whose NAF has negative digits, long zero runs and
    the top digit alone."""
    if number == "int":
        monkeypatch.setattr(sm2_curve, "_number", int)
        monkeypatch.setattr(sm2_curve, "P", int(sm2_curve.P))
    elif sm2_curve._number is int:
        pytest.skip("gmpy2 is not installed here")
    g = (int(G[:64], 16), int(G[64:], 16))
    curve = CryptSM2(private_key="1" * 64, public_key=G)
    rng = random.Random(32)
    for k in [3, 31, 32, 33, 2**255, 2**256 - 1 - 2**100, sm2_curve.N - 2, *(rng.randrange(1, sm2_curve.N) for _ in range(8))]:
        point = sm2_curve.multiply(k, *g)
        assert point is not None and all(type(v) is int for v in point)
        assert f"{point[0]:064x}{point[1]:064x}" == curve._kg(k, G), k


def test_kdf_and_digest_match_gmssl():
    z = bytes(range(64))
    for length in (1, 19, 32, 33, 100):
        assert sm2_curve.kdf(z, length) == bytes.fromhex(sm3.sm3_kdf(z.hex().encode(), length))
    assert sm2_curve.sm3_digest(b"abc") == bytes.fromhex(sm3.sm3_hash(list(b"abc")))
