"""RSA as the regional platform's getToken uses it: seeds/004 §3.2.2.5 接口权限.

"sign字段为如下内容按RSA算法（RSA公钥由平台统一分配）加密后得到": the caller encrypts
``appId,orgId,license`` with the platform's public key.  004 names no padding or size;
INTERFACES.md §5 decides: RSA-2048, PKCS#1 v1.5, base64.  The sandbox plays the platform, so
it issues the key pair: derived from the config's seed (a deterministic generator feeds
``RSA.generate``), so the same seed always gives the same keys.

Note the size: 004 gives ``sign`` as VC(256), but a 2048-bit ciphertext is 256 bytes, 344
base64 characters; the length is not enforced (documented in ``openapi/regional-archive.yaml``).

:func:`decrypt_sign` recognises what an integrator may have done instead (``SignError.kind``):
``base64`` (not base64), ``length`` (not a 256-byte ciphertext), ``oaep`` (OAEP padding,
SHA-1 or SHA-256, instead of v1.5), ``wrong-key`` (neither padding holds: another public key,
or altered bytes), ``utf8`` (decrypts, but is no text).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from functools import cache
from typing import Literal

from Crypto.Cipher import PKCS1_OAEP, PKCS1_v1_5
from Crypto.Hash import SHA1, SHA256
from Crypto.PublicKey import RSA

from reference.config import Config

KEY_BITS = 2048
ErrorKind = Literal["base64", "length", "oaep", "wrong-key", "utf8"]
_SPACE = re.compile(r"\s+")


class SignError(ValueError):
    def __init__(self, kind: ErrorKind, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail


class _SeededStream:
    """Bytes from SHAKE-256 of the seed, block after block: ``RSA.generate``'s ``randfunc``."""

    def __init__(self, seed: bytes) -> None:
        self._root, self._counter = hashlib.sha256(seed).digest(), 0

    def __call__(self, n: int) -> bytes:
        self._counter += 1
        return hashlib.shake_256(self._root + self._counter.to_bytes(8, "big")).digest(n)


@cache
def key_for_seed(seed: int) -> RSA.RsaKey:
    """The platform's key pair for ``seed`` (about 0.1 s to derive, then cached)."""
    return RSA.generate(KEY_BITS, randfunc=_SeededStream(f"regional-platform-rsa:{seed}".encode()))


def issued_key(config: Config) -> RSA.RsaKey:
    """The regional platform's key pair for this sandbox's seed (never printed: see ``public_pem``)."""
    return key_for_seed(config.seed)


def public_pem(config: Config) -> str:
    """The public key as the platform publishes it (PEM, SubjectPublicKeyInfo)."""
    return issued_key(config).public_key().export_key("PEM").decode("ascii")


def public_base64(config: Config) -> str:
    """The same key as one base64 line (DER), the form Java's ``X509EncodedKeySpec`` takes."""
    return base64.b64encode(issued_key(config).public_key().export_key("DER")).decode("ascii")


def load_public(text: str) -> RSA.RsaKey:
    """A public key given as PEM or as base64 DER (one line)."""
    text = text.strip()
    if text.startswith("-----"):
        return RSA.import_key(text)
    return RSA.import_key(base64.b64decode(_SPACE.sub("", text)))


def encrypt_sign(plaintext: str, public_key: RSA.RsaKey, *, padding: Literal["pkcs1", "oaep"] = "pkcs1") -> str:
    """``sign`` as an integrator builds it: RSA PKCS#1 v1.5 (or OAEP, to show the mistake), base64."""
    cipher = PKCS1_v1_5.new(public_key) if padding == "pkcs1" else PKCS1_OAEP.new(public_key, hashAlgo=SHA1)
    return base64.b64encode(cipher.encrypt(plaintext.encode("utf-8"))).decode("ascii")


def _text(plain: bytes) -> str:
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise SignError("utf8", "not UTF-8") from None


def decrypt_sign(sign: str, key: RSA.RsaKey) -> str:
    """The plaintext of ``sign`` (PKCS#1 v1.5 under ``key``), else ``SignError`` saying why."""
    compact = _SPACE.sub("", sign)
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignError("base64", str(exc)) from None
    size = key.size_in_bytes()
    if len(data) != size:
        raise SignError("length", f"{len(data)} bytes, not {size} / {len(data)} 字节，应为 {size}")
    sentinel = object()
    try:
        plain = PKCS1_v1_5.new(key).decrypt(data, sentinel)
    except ValueError:  # as an integer the ciphertext is not below the modulus: another key's
        raise SignError("wrong-key", "the ciphertext is not below the platform key's modulus") from None
    if plain is not sentinel:
        assert isinstance(plain, bytes)
        try:
            return _text(plain)
        except SignError:
            # OAEP's encoding starts 0x00 like v1.5's; its next byte is 0x02 one time in 256, and then a
            # zero byte later on passes v1.5's check: about 1 OAEP sign in 430 "decrypts" to bytes
            # that are not text.  OAEP's own check (its label hash) decides which it was.
            _raise_if_oaep(data, key)
            raise
    _raise_if_oaep(data, key)
    raise SignError("wrong-key", "neither PKCS#1 v1.5 nor OAEP padding holds")


def _raise_if_oaep(data: bytes, key: RSA.RsaKey) -> None:
    for name, hash_ in (("SHA-1", SHA1), ("SHA-256", SHA256)):
        try:
            PKCS1_OAEP.new(key, hashAlgo=hash_).decrypt(data)
        except ValueError:
            continue
        raise SignError("oaep", f"OAEP, {name}")
