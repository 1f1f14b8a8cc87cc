"""SM2 decryption of an ``idCardNo`` per second on one core (issue 12; a script, not a test), every
way in the same run, each checked to give the same plaintext:

- gmssl as the sandbox used it before issue 12 (``CryptSM2._kg`` and gmssl's SM3, pure Python);
- ``reference.crypto.sm2.decrypt`` now, distinct ciphertexts (every one a cache miss: Jacobian
  arithmetic in ``sm2_curve``, OpenSSL's SM3) and the same ciphertext again (the ``[d]C1`` cache);
- as anchors when importable (``PYTHONPATH=DIR`` after ``pip install --target DIR gmssl-fast
  snowland-smx``; neither is a dependency): gmssl-fast (GmSSL in Rust bindings; decrypt only, no
  diagnostics) and snowland-smx (``pysmx``, pure Python).

    .venv/bin/python loadtests/sm2_bench.py [--n 300]
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from gmssl import sm3
from gmssl.sm2 import CryptSM2

from reference.crypto import sm2

ID_CARD = "11010519491231002X"


def gmssl_before(ciphertext: str, key: sm2.KeyPair) -> str:
    """The decryption path of reference/crypto/sm2.py before issue 12 (C1C3C2, no diagnostics)."""
    data = bytes.fromhex(ciphertext)[1:]
    c1, rest = data[:64], data[64:]
    xy = CryptSM2(private_key=key.private_hex, public_key=key.public_hex)._kg(int(key.private_hex, 16), c1.hex())
    t = bytes.fromhex(sm3.sm3_kdf(xy.encode("utf8"), len(rest) - 32))
    message = bytes(a ^ b for a, b in zip(rest[32:], t, strict=True))
    assert bytes.fromhex(sm3.sm3_hash(list(bytes.fromhex(xy[:64]) + message + bytes.fromhex(xy[64:])))) == rest[:32]
    return message.decode()


def _anchors(key: sm2.KeyPair) -> dict[str, Callable[[str], str]]:
    out: dict[str, Callable[[str], str]] = {}
    try:
        import gmssl_fast  # type: ignore[import-not-found]

        fast = gmssl_fast.SM2(private_key=key.private_hex, public_key=key.public_hex)
        out["anchor: gmssl-fast 0.1.0 (GmSSL, Rust)"] = lambda c: fast.decrypt(bytes.fromhex(c)[1:]).decode()
    except ImportError:
        pass
    try:
        from pysmx.SM2 import Decrypt  # type: ignore[import-not-found]

        out["anchor: snowland-smx (pysmx, pure Python)"] = lambda c: Decrypt(bytes.fromhex(c)[1:], key.private_hex, 64).decode()
    except ImportError:
        pass
    return out


def rate(name: str, texts: list[str], call: Callable[[str], str]) -> float:
    assert call(texts[0]) == ID_CARD, name
    start = time.process_time()
    for text in texts:
        call(text)
    per_s = len(texts) / (time.process_time() - start)
    print(f"{name:<58} {per_s:8.0f} /s")
    return per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    key = sm2.key_pair_for_seed(20251122)
    texts = [sm2.encrypt(ID_CARD, key.public_key) for _ in range(args.n)]
    print(f"{args.n} ciphertexts of an 18-character idCardNo (C1C3C2, hex, 04), one core (CPU time)")
    before = rate("before: gmssl (CryptSM2._kg, gmssl SM3)", texts, lambda c: gmssl_before(c, key))
    after = rate("now: sm2.decrypt, distinct ciphertexts (cache misses)", texts,
                 lambda c: sm2.decrypt(c, key).plaintext)
    cached = rate("now: sm2.decrypt, the same ciphertext again (cache hits)", [texts[0]] * args.n,
                  lambda c: sm2.decrypt(c, key).plaintext)
    for name, call in _anchors(key).items():
        anchor = rate(name, texts, call)
        print(f"{'':<58} ratios to it: before {before / anchor:.2f}, now {after / anchor:.2f} (misses), "
              f"{cached / anchor:.2f} (hits)")
    print(f"now / before: {after / before:.1f}x (misses), {cached / before:.1f}x (hits)")


if __name__ == "__main__":
    main()
