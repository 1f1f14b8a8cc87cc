"""The film URL's info token (INTERFACES.md §4): SM4-CBC or AES-CBC, an integrity check, an expiry;
the same grant always gives the same token; another configuration's token is refused."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from reference.config import load_config
from reference.families.gateway import film_token

NOW = datetime(2026, 11, 20, 10, 30)


def _config(cipher: str, seed: int = 20251122):  # type: ignore[no-untyped-def]
    return load_config(None, seed=seed, parties={"gateway": {"gateway": {"film_cipher": cipher, "film_hours": 2}}})


@pytest.mark.parametrize("cipher", ["sm4", "aes"])
def test_round_trip(cipher):
    config = _config(cipher)
    token = film_token.issue(config, "CT261107213184", "H51080200011", now=NOW)
    assert token == film_token.issue(config, "CT261107213184", "H51080200011", now=NOW)  # one grant, one link
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    grant = film_token.open_token(config, token, now=NOW + timedelta(hours=1))
    assert (grant.access_number, grant.hospital, grant.expires) == ("CT261107213184", "H51080200011", NOW + timedelta(hours=2))
    assert "CT261107213184" not in token


@pytest.mark.parametrize("cipher", ["sm4", "aes"])
def test_every_altered_byte_is_caught(cipher):
    config = _config(cipher)
    token = film_token.issue(config, "A1", "H1", now=NOW)
    for i in range(len(token)):
        altered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
        with pytest.raises(film_token.TokenError) as caught:
            film_token.open_token(config, altered, now=NOW)
        assert caught.value.kind == "tampered"


def test_expired():
    config = _config("sm4")
    token = film_token.issue(config, "A1", "H1", now=NOW)
    with pytest.raises(film_token.TokenError) as caught:
        film_token.open_token(config, token, now=NOW + timedelta(hours=2, seconds=1))
    assert caught.value.kind == "expired" and caught.value.expired == NOW + timedelta(hours=2)


@pytest.mark.parametrize("junk", ["", "!!!", "AAAA", "x" * 40])
def test_junk_is_tampered(junk):
    with pytest.raises(film_token.TokenError) as caught:
        film_token.open_token(_config("sm4"), junk, now=NOW)
    assert caught.value.kind == "tampered"


def test_another_configurations_token_is_refused():
    token = film_token.issue(_config("sm4", seed=1), "A1", "H1", now=NOW)
    with pytest.raises(film_token.TokenError):
        film_token.open_token(_config("sm4", seed=2), token, now=NOW)
