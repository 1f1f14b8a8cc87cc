"""SM2 public-key encryption (GM/T 0003-2012) as the provincial cloud uses it (seeds/003).

003 §检查索引数据上传接口: "身份证号使用国密算法SM2加密技术进行加密,加密对接公钥信息由"影像云平台"发放".
The sandbox plays the cloud, so it issues the key pair: derived from the config's seed,
so the same seed always gives the same keys (INTERFACES.md §3).

Accepted ciphertexts (INTERFACES.md §3): C1C3C2 (GM/T 0003-2012, the default), as hex or
base64, with or without the ``04`` point-compression prefix of C1.  Anything else is an
``SM2Error`` whose ``kind`` says what it was: ``c1c2c3`` (decrypts, but in the old
C1C2C3 order), ``wrong-key`` (a ciphertext, but for another public key, or altered),
``encoding`` (neither hex nor base64), ``plaintext`` (an ID number or text where the
ciphertext belongs), ``not-ciphertext`` (decodes, but C1 is no point of the curve or it
is too short to be C1||C3||C2).

gmssl provides the curve arithmetic and SM3; its ``decrypt`` does not check C3, so the
layout and key checks are done here.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from gmssl.sm2 import CryptSM2, default_ecc_table

from reference.config import Config

from . import sm2_curve

Layout = Literal["C1C3C2", "C1C2C3"]
Encoding = Literal["hex", "base64"]
ErrorKind = Literal["c1c2c3", "wrong-key", "encoding", "plaintext", "not-ciphertext"]

_P = int(default_ecc_table["p"], 16)
_A = int(default_ecc_table["a"], 16)
_B = int(default_ecc_table["b"], 16)
_N = int(default_ecc_table["n"], 16)
_HEX = re.compile(r"[0-9a-fA-F]+")
_B64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_ID_LIKE = re.compile(r"\d{15}|\d{17}[\dXx]")
C1_LEN, C3_LEN = 64, 32


@dataclass(frozen=True)
class KeyPair:
    private_hex: str  # 64 hex digits
    public_hex: str   # 128 hex digits, x || y, without the 04 prefix

    @property
    def public_key(self) -> str:
        """The public key as published: uncompressed point, ``04`` || x || y (130 hex digits)."""
        return "04" + self.public_hex

    def __repr__(self) -> str:  # never print the private key
        return f"KeyPair(public={self.public_key[:18]}…)"


class SM2Error(ValueError):
    def __init__(self, kind: ErrorKind, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Decrypted:
    plaintext: str
    layout: Layout
    encoding: Encoding
    prefixed: bool  # C1 carried the 04 prefix


def _curve(private_hex: str, public_hex: str, mode: int = 1) -> CryptSM2:
    # gmssl strips a leading "04" with lstrip("04") (every leading 0 and 4): pass x||y only
    return CryptSM2(private_key=private_hex, public_key=public_hex, mode=mode)


@lru_cache(maxsize=16)
def key_pair_for_seed(seed: int | str, label: str = "province_cloud") -> KeyPair:
    """The key pair the sandbox issues to ``label``, derived from the seed (reproducible)."""
    digest = hmac.new(str(seed).encode(), f"sm2:{label}".encode(), hashlib.sha256).digest()
    d = int.from_bytes(digest, "big") % (_N - 2) + 1
    private_hex = f"{d:064x}"
    public_hex = _curve(private_hex, "0" * 128)._kg(d, default_ecc_table["g"])
    return KeyPair(private_hex=private_hex, public_hex=public_hex)


def issued_key(config: Config) -> KeyPair:
    """The provincial cloud's key pair for this sandbox's seed."""
    return key_pair_for_seed(config.seed)


def _strip04(public_key: str) -> str:
    key = public_key.strip()
    return key[2:] if len(key) == 130 and key.startswith("04") else key


def encrypt(plaintext: str, public_key: str, *, layout: Layout = "C1C3C2", encoding: Encoding = "hex",
            prefix: bool = True) -> str:
    """Encrypt as an integrator would: C1C3C2 hex with the 04 prefix unless told otherwise."""
    raw = _curve("0" * 64, _strip04(public_key), mode=1 if layout == "C1C3C2" else 0).encrypt(plaintext.encode("utf-8"))
    data = (b"\x04" if prefix else b"") + raw
    return data.hex() if encoding == "hex" else base64.b64encode(data).decode("ascii")


def _on_curve(point: bytes) -> bool:
    if len(point) != C1_LEN:
        return False
    x, y = int.from_bytes(point[:32], "big"), int.from_bytes(point[32:], "big")
    return x < _P and y < _P and (y * y - (x * x * x + _A * x + _B)) % _P == 0


def _decode(text: str) -> tuple[bytes, Encoding]:
    if _HEX.fullmatch(text) and len(text) % 2 == 0:
        return bytes.fromhex(text), "hex"
    if _B64.fullmatch(text) and len(text) % 4 in (0, 2, 3):
        padded = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)
        try:
            return base64.b64decode(padded, validate=True), "base64"
        except (binascii.Error, ValueError):
            pass
    if _HEX.fullmatch(text):
        raise SM2Error("encoding", f"odd number of hex digits ({len(text)}) / 十六进制位数为奇数")
    bad = sorted({c for c in text if not (c.isascii() and (c.isalnum() or c in "+/=_-"))})[:5]
    raise SM2Error("encoding", f"characters {''.join(bad)!r} are neither hex nor base64")


def _plain(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SM2Error("wrong-key", "the decrypted bytes are not UTF-8 text") from None


def decrypt(ciphertext: str, key: KeyPair) -> Decrypted:
    """Decrypt ``ciphertext`` with the cloud's private key, or say exactly why not."""
    text = (ciphertext or "").strip()
    if not text or _ID_LIKE.fullmatch(text) or any(not c.isascii() for c in text):
        raise SM2Error("plaintext", "a resident ID number or text, not an SM2 ciphertext")
    data, encoding = _decode(text)
    prefixed = len(data) > C1_LEN + C3_LEN + 1 and data[0] == 4 and _on_curve(data[1:1 + C1_LEN])
    body = data[1:] if prefixed else data
    if len(body) <= C1_LEN + C3_LEN or not _on_curve(body[:C1_LEN]):
        if len(body) <= C1_LEN + C3_LEN:
            raise SM2Error("not-ciphertext", f"{len(data)} bytes, shorter than C1 (64/65) + C3 (32) + C2")
        raise SM2Error("not-ciphertext", "C1 (the first 64 bytes after an optional 04) is not a point of the SM2 curve")
    c1, rest = body[:C1_LEN], body[C1_LEN:]
    xy = bytes.fromhex(sm2_curve.shared_point(key.private_hex, c1))
    x2, y2 = xy[:32], xy[32:]
    length = len(rest) - C3_LEN
    t = sm2_curve.kdf(xy, length)
    for layout in ("C1C3C2", "C1C2C3"):
        c3, c2 = (rest[:C3_LEN], rest[C3_LEN:]) if layout == "C1C3C2" else (rest[-C3_LEN:], rest[:-C3_LEN])
        message = bytes(a ^ b for a, b in zip(c2, t, strict=True))
        if sm2_curve.sm3_digest(x2 + message + y2) == c3:
            if layout == "C1C2C3":
                raise SM2Error("c1c2c3", "the ciphertext is C1C2C3 (GM/T 0003 draft order); send C1C3C2")
            return Decrypted(plaintext=_plain(message), layout="C1C3C2", encoding=encoding, prefixed=prefixed)
    raise SM2Error("wrong-key", "C3 does not verify: encrypted with another public key, or altered")


#: The rule naming each SM2Error kind where a ciphertext field is checked (the provincial cloud's
#: PCLOUD-SM2-* rules, seeds/003; the gateway's plug-in fields, seeds/001 §4.4, use the same).
RULE_IDS: dict[str, str] = {"c1c2c3": "PCLOUD-SM2-C1C2C3", "wrong-key": "PCLOUD-SM2-WRONG-KEY",
                            "encoding": "PCLOUD-SM2-ENCODING", "plaintext": "PCLOUD-SM2-PLAINTEXT",
                            "not-ciphertext": "PCLOUD-SM2-NOT-CIPHERTEXT"}
