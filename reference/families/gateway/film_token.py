"""The film URL's ``info`` token (INTERFACES.md §4; 001 §4.3 "返回加密的URL地址"): who may see which
exam's cloud film, until when.

``token = base64url(cipher ‖ IV ‖ E(accessNumber|hospitalId|expiry) ‖ tag)``: ``cipher`` one byte
(1 SM4-CBC, 2 AES-128-CBC: ``parties.gateway.gateway.film_cipher``), ``IV`` 16 bytes of
HMAC-SHA256 of the plaintext (synthetic IV: the same grant always gives the same URL, so the QR
code and the URL answered at one moment are one link), ``tag`` the first 16 bytes of HMAC-SHA256
over everything before it (encrypt-then-MAC).  Both keys derive from the seed, so every gateway
process of one configuration opens the others' tokens and a restart does not invalidate links
printed on reports.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from Crypto.Cipher import AES
from Crypto.Util.Padding import pad, unpad

from reference.config import Config
from reference.crypto import sm4

CIPHERS = {"sm4": 1, "aes": 2}
TAG, IV = 16, 16
STAMP = "%Y%m%d%H%M%S"


class TokenError(ValueError):
    def __init__(self, kind: str, detail: str, expired: datetime | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail, self.expired = kind, detail, expired


@dataclass(frozen=True)
class FilmGrant:
    access_number: str
    hospital: str
    expires: datetime


def _keys(config: Config) -> tuple[bytes, bytes]:
    root = hmac.new(str(config.seed).encode(), b"gateway:film-token", hashlib.sha256).digest()
    return hashlib.sha256(root + b"enc").digest()[:16], hashlib.sha256(root + b"mac").digest()


def _tag(mac_key: bytes, data: bytes) -> bytes:
    return hmac.new(mac_key, data, hashlib.sha256).digest()[:TAG]


def issue(config: Config, access_number: str, hospital: str, *, now: datetime) -> str:
    """A token for the exam, valid ``film_hours`` from ``now``."""
    settings = config.parties["gateway"].collection
    expires = now + timedelta(hours=settings.film_hours)
    plain = f"{access_number}|{hospital}|{expires:{STAMP}}".encode()
    enc_key, mac_key = _keys(config)
    iv = hmac.new(mac_key, b"iv" + plain, hashlib.sha256).digest()[:IV]
    kind = CIPHERS[settings.film_cipher]
    body = sm4.cbc_encrypt(enc_key, iv, plain) if kind == 1 else AES.new(enc_key, AES.MODE_CBC, iv).encrypt(pad(plain, 16))
    data = bytes([kind]) + iv + body
    return base64.urlsafe_b64encode(data + _tag(mac_key, data)).decode("ascii").rstrip("=")


def open_token(config: Config, token: str, *, now: datetime) -> FilmGrant:
    """The grant a token carries, or ``TokenError`` (``tampered`` / ``expired``) saying why not."""
    text = (token or "").strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenError("tampered", "not base64url") from None
    if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != text:
        raise TokenError("tampered", "not in canonical base64url")
    if len(raw) < 1 + IV + 16 + TAG or (len(raw) - 1 - IV - TAG) % 16:
        raise TokenError("tampered", f"{len(raw)} bytes is no token's length")
    enc_key, mac_key = _keys(config)
    data, tag = raw[:-TAG], raw[-TAG:]
    if not hmac.compare_digest(tag, _tag(mac_key, data)):
        raise TokenError("tampered", "the integrity check fails")
    kind, iv, body = data[0], data[1:1 + IV], data[1 + IV:]
    try:
        plain = sm4.cbc_decrypt(enc_key, iv, body) if kind == 1 else unpad(AES.new(enc_key, AES.MODE_CBC, iv).decrypt(body), 16)
        access, hospital, stamp = plain.decode("utf-8").split("|")
        expires = datetime.strptime(stamp, STAMP)
    except (ValueError, UnicodeDecodeError):
        raise TokenError("tampered", "the content does not decode") from None
    if now > expires:
        raise TokenError("expired", f"expired {expires:%Y-%m-%d %H:%M:%S}", expires)
    return FilmGrant(access, hospital, expires)
