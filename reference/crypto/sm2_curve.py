"""The SM2 curve arithmetic decryption needs (GM/T 0003.1; GB/T 32918.5 recommended curve), and SM3
from OpenSSL when the interpreter's has it (issue 12: the cloud decrypts an ``idCardNo`` per request).

gmssl does the scalar multiplication on hex strings in affine coordinates (~5 ms a decryption on
this machine); here it is Jacobian coordinates with a = -3 and mixed additions against an affine
table of odd multiples, walking the width-5 NAF of the private key (recoded once per key: the key is
fixed, C1 changes with every ciphertext), on GMP integers (gmpy2) where installed, Python's otherwise
(~0.4 ms and ~0.9 ms).  Only decryption's ``[d]C1`` uses it; the answers are checked against gmssl
and GB/T 32918.4's example (tests/province_cloud/test_sm2_curve.py).  No secret leaves through timing
that matters here: the sandbox's key is derived from a public seed.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

from gmssl import sm3
from gmssl.sm2 import default_ecc_table

try:  # GMP's multiplication and reduction of 256-bit numbers: ~2.4x Python's on this machine
    from gmpy2 import mpz as _number
except ImportError:  # pragma: no cover - a platform without a gmpy2 wheel: the same answers, slower
    _number = int

P = _number(int(default_ecc_table["p"], 16))
N = int(default_ecc_table["n"], 16)
assert int(default_ecc_table["a"], 16) == P - 3  # the doubling below relies on a = -3
#: width of the non-adjacent form: 8 odd multiples (P, 3P … 15P), one addition per ~6 doublings
WINDOW = 5

Jacobian = tuple[int, int, int]  # Z == 0: the point at infinity
INFINITY: Jacobian = (0, 1, 0)
HAS_SM3 = "sm3" in hashlib.algorithms_available


def _double(p: Jacobian) -> Jacobian:
    x, y, z = p
    if z == 0 or y == 0:
        return INFINITY
    yy = y * y % P
    s = 4 * x * yy % P
    zz = z * z % P
    m = 3 * (x - zz) * (x + zz) % P
    x3 = (m * m - 2 * s) % P
    return x3, (m * (s - x3) - 8 * yy * yy) % P, 2 * y * z % P


def _add_affine(p: Jacobian, x2: int, y2: int) -> Jacobian:
    """``p`` + the affine point (x2, y2)."""
    x1, y1, z1 = p
    if z1 == 0:
        return x2, y2, 1
    z1z1 = z1 * z1 % P
    h = (x2 * z1z1 - x1) % P
    r = (y2 * z1 * z1z1 - y1) % P
    if h == 0:
        return _double(p) if r == 0 else INFINITY
    hh = h * h % P
    hhh = h * hh % P
    v = x1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    return x3, (r * (v - x3) - y1 * hhh) % P, z1 * h % P


def _affine(p: Jacobian) -> tuple[int, int] | None:
    x, y, z = p
    if z == 0:
        return None
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return int(x * zi2 % P), int(y * zi2 * zi % P)


def _affine_all(points: list[Jacobian]) -> list[tuple[int, int] | None]:
    """Every point made affine with one modular inversion (Montgomery's trick), not one each."""
    zs = [z for _, _, z in points if z]
    prefix, acc = [], 1
    for z in zs:
        prefix.append(acc)
        acc = acc * z % P
    inverse, inverses = pow(acc, -1, P) if zs else 1, [0] * len(zs)
    for i in range(len(zs) - 1, -1, -1):
        inverses[i], inverse = inverse * prefix[i] % P, inverse * zs[i] % P
    out: list[tuple[int, int] | None] = []
    it = iter(inverses)
    for x, y, z in points:
        if not z:
            out.append(None)
            continue
        zi = next(it)
        zi2 = zi * zi % P
        out.append((x * zi2 % P, y * zi2 * zi % P))
    return out


@lru_cache(maxsize=16)
def _naf(k: int) -> tuple[int, ...]:
    """The width-``WINDOW`` non-adjacent form of ``k``, most significant digit first: odd digits in
    ±1 … ±15 with at least ``WINDOW - 1`` zeros after each (cached: the private key is fixed)."""
    digits: list[int] = []
    while k:
        digit = 0
        if k & 1:
            digit = k % (1 << WINDOW)
            if digit >= 1 << (WINDOW - 1):
                digit -= 1 << WINDOW
            k -= digit
        digits.append(digit)
        k >>= 1
    return tuple(reversed(digits))


def multiply(k: int, x: int, y: int) -> tuple[int, int] | None:
    """[k](x, y) for a point of the curve; ``None`` for the point at infinity."""
    x, y = _number(x), _number(y)
    doubled = _affine(_double((x, y, _number(1))))
    if doubled is None:  # 2(x, y) = O: (x, y) has order 2, which no point of this curve has
        return None if k % 2 == 0 else (int(x), int(y))
    odd: list[Jacobian] = [(x, y, _number(1))]
    for _ in range((1 << (WINDOW - 2)) - 1):  # 3P, 5P … 15P
        odd.append(_add_affine(odd[-1], _number(doubled[0]), _number(doubled[1])))
    table = _affine_all(odd)
    result = INFINITY
    for digit in _naf(k):
        result = _double(result)
        if digit:
            point = table[(abs(digit) - 1) >> 1]
            if point is not None:
                px, py = point
                result = _add_affine(result, px, py if digit > 0 else P - py)
    return _affine(result)


@lru_cache(maxsize=4096)
def shared_point(private_hex: str, c1: bytes) -> str:
    """[d]C1 as 128 hex digits (x2 || y2): what decrypting a ciphertext starts from.  Kept for the
    4,096 most recent C1s: a client that sends the same ciphertext again (a doctor's repeated query,
    a load test) costs a dictionary look-up; everything after it (KDF, C3, layout) is judged anew."""
    point = multiply(int(private_hex, 16), int.from_bytes(c1[:32], "big"), int.from_bytes(c1[32:], "big"))
    if point is None:  # d is below n and C1 is on the curve (checked by the caller): cannot happen
        raise ValueError("[d]C1 is the point at infinity")
    return f"{point[0]:064x}{point[1]:064x}"


def sm3_digest(data: bytes) -> bytes:
    if HAS_SM3:
        return hashlib.new("sm3", data).digest()
    return bytes.fromhex(sm3.sm3_hash(list(data)))


def kdf(z: bytes, length: int) -> bytes:
    """GM/T 0003.4 §5.4.3: SM3(Z || ct) for ct = 1, 2, …, concatenated and cut to ``length`` bytes."""
    out = b"".join(sm3_digest(z + ct.to_bytes(4, "big")) for ct in range(1, (length + 31) // 32 + 1))
    return out[:length]
