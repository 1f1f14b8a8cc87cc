"""SM4 block cipher (GB/T 32907-2016) in CBC mode with PKCS#7 padding, as gmssl implements it.

Used for the gateway's film token (INTERFACES.md §4: SM4-CBC of ``accessNumber|hospitalId|expiry``).
Callers authenticate the ciphertext before decrypting it (encrypt-then-MAC): gmssl's padding
removal does not check the padding.
"""
from __future__ import annotations

from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4

BLOCK = 16


def _cipher(key: bytes, mode: int) -> CryptSM4:
    if len(key) != BLOCK:
        raise ValueError("an SM4 key is 16 bytes")
    cipher = CryptSM4()
    cipher.set_key(key, mode)
    return cipher


def cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    return bytes(_cipher(key, SM4_ENCRYPT).crypt_cbc(iv, data))


def cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    if not data or len(data) % BLOCK:
        raise ValueError("SM4-CBC ciphertext must be a non-empty multiple of 16 bytes")
    return bytes(_cipher(key, SM4_DECRYPT).crypt_cbc(iv, data))
