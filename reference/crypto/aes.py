"""AES as the primary-care platform (基卫) uses it: seeds/004 §3.1.1.3 加密解密规则.

004 gives the Java/C# functions: ``Cipher.getInstance("AES/ECB/PKCS5Padding")`` with
``new SecretKeySpec(key.getBytes("utf-8"), "AES")`` — a 16-character key ("传入一个16位长度的密钥。
否则报错") — and the ciphertext in base64 (``sun.misc.BASE64Encoder``, which breaks lines every
76 characters: whitespace inside the base64 is accepted).  §3.1.2.1: the ``param`` of request
and response is the JSON text encrypted this way.

The sandbox issues one key per institution (16 ASCII characters, derived from the seed;
``reference.regional.identity``).  A server does not know which key a caller used, so
:func:`decrypt_any` tries every issued key and, when none decrypts, says what the caller most
likely did wrong (``AESError.kind``):

- ``base64``: the text is not base64;
- ``blocks``: the bytes are not whole 16-byte AES blocks (truncated, or not AES at all);
- ``cbc``: it decrypts under an issued key in CBC mode (zero IV, or the key as IV) — 004 says ECB;
- ``key-length``: it decrypts under an issued key stretched to 24 or 32 bytes (AES-192/256,
  zero- or space-padded, or the key doubled) — 004's key is 16 bytes;
- ``wrong-key``: PKCS5 padding fails under every issued key (another key, or altered bytes);
- ``utf8``: it decrypts, but the plaintext is not UTF-8 text.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Literal

from Crypto.Cipher import AES
from Crypto.Util.Padding import pad, unpad

KEY_BYTES = 16
BLOCK = 16
ErrorKind = Literal["base64", "blocks", "cbc", "key-length", "wrong-key", "utf8", "key"]
_SPACE = re.compile(rb"\s+")


class AESError(ValueError):
    """Why a ciphertext cannot be used; ``kind`` names the failure (see the module doc)."""

    def __init__(self, kind: ErrorKind, detail: str, owner: str | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail, self.owner = kind, detail, owner


def key_bytes(key: str) -> bytes:
    """The key as 004's Java does it (``key.getBytes("utf-8")``): exactly 16 bytes, else ``AESError('key')``."""
    raw = key.encode("utf-8")
    if len(raw) != KEY_BYTES:
        raise AESError("key", f"the AES key must be 16 bytes (004: 传入一个16位长度的密钥), got {len(raw)}")
    return raw


def encrypt(text: str, key: str) -> str:
    """``aesEncrypt(str, key)`` of 004: AES/ECB/PKCS5Padding, base64 (one line)."""
    cipher = AES.new(key_bytes(key), AES.MODE_ECB)
    return base64.b64encode(cipher.encrypt(pad(text.encode("utf-8"), BLOCK))).decode("ascii")


def _b64(value: str) -> bytes:
    compact = _SPACE.sub(b"", value.encode("utf-8", errors="replace"))
    if not compact:
        raise AESError("base64", "the value is empty")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AESError("base64", f"not base64 ({exc})") from None


def _unpadded(data: bytes, key: bytes, mode: str) -> bytes | None:
    """The plaintext bytes when PKCS5 padding holds, else None."""
    if mode == "ecb":
        decrypted = AES.new(key, AES.MODE_ECB).decrypt(data)
    else:
        decrypted = AES.new(key, AES.MODE_CBC, iv=bytes(BLOCK) if mode == "cbc-zero" else key[:BLOCK]).decrypt(data)
    try:
        return unpad(decrypted, BLOCK)
    except ValueError:
        return None


def _text(plain: bytes) -> str | None:
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decrypt(value: str, key: str) -> str:
    """``aesDecrypt(str, key)`` of 004 with one known key; ``AESError`` says why it fails."""
    key_bytes(key)
    return decrypt_any(value, {"": key})[1]


def _stretched(key: bytes) -> list[tuple[str, bytes]]:
    return [("zero-padded to 32 bytes", key.ljust(32, b"\0")), ("space-padded to 32 bytes", key.ljust(32, b" ")),
            ("zero-padded to 24 bytes", key.ljust(24, b"\0")), ("doubled to 32 bytes", key * 2)]


def decrypt_any(value: str, keys: Mapping[str, str]) -> tuple[str, str]:
    """``(owner, plaintext)`` of the first key (``owner -> key``) that decrypts ``value`` in
    ECB with valid padding into UTF-8 text; else ``AESError`` naming the likeliest mistake."""
    data = _b64(value)
    if len(data) % BLOCK:
        raise AESError("blocks", f"{len(data)} bytes is not a whole number of 16-byte AES blocks")
    usable = {owner: raw for owner, key in keys.items() if len(raw := key.encode("utf-8")) == KEY_BYTES}
    undecodable: str | None = None
    for owner, key in usable.items():
        plain = _unpadded(data, key, "ecb")
        if plain is not None:
            text = _text(plain)
            if text is not None:
                return owner, text
            undecodable = owner
    for owner, key in usable.items():
        for mode, label in (("cbc-zero", "CBC with a zero IV"), ("cbc-key", "CBC with the key as IV")):
            plain = _unpadded(data, key, mode)
            if plain is not None and _text(plain) is not None:
                raise AESError("cbc", f"it decrypts with AES/{label}; 004 specifies AES/ECB/PKCS5Padding", owner)
        for label, stretched in _stretched(key):
            plain = _unpadded(data, stretched, "ecb")
            if plain is not None and _text(plain) is not None:
                raise AESError("key-length", f"it was encrypted with a {len(stretched)}-byte key (the issued key "
                                             f"{label}); 004's key is the 16 bytes of the issued key", owner)
    if undecodable is not None:
        raise AESError("utf8", "it decrypts, but the plaintext is not UTF-8 text", undecodable)
    raise AESError("wrong-key", "PKCS5 padding fails under every issued key: encrypted with another key, or altered")
