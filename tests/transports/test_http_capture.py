"""The HTTP recorder's capture of a body as it passes: the same record as the body whole, and a
body within the limit never hashed (issue 12: hashing a 2.9 KB save let go of the GIL, and the
event loop waited for it under load)."""
from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from reference.exchanges.record import body_record
from reference.transports.http.recorder import _Capture

LIMIT = 256


def _fed(body: bytes, cuts: list[int]) -> _Capture:
    captured, at = _Capture(LIMIT), 0
    for cut in sorted({min(c, len(body)) for c in cuts}) + [len(body)]:
        captured.feed(body[at:cut])
        at = cut
    return captured


@given(st.binary(max_size=3 * LIMIT), st.lists(st.integers(min_value=0, max_value=3 * LIMIT), max_size=6))
def test_a_body_fed_in_any_chunks_is_recorded_as_the_body_whole(body: bytes, cuts: list[int]) -> None:
    captured = _fed(body, cuts)
    assert captured.size == len(body) and bytes(captured.kept) == body[:LIMIT + 1]
    assert captured.record("application/octet-stream", 64) == body_record(body, "application/octet-stream",
                                                                           limit=LIMIT, head=64)


def test_a_body_within_the_limit_is_never_hashed() -> None:
    captured = _fed(b"x" * LIMIT, [100, 200])
    assert captured.sha is None  # the old capture hashed every body from its first byte
    assert "sha256" not in captured.record("text/plain", 64)
    over = _fed(b"x" * (LIMIT + 1), [100, LIMIT])
    assert over.record("text/plain", 64)["sha256"] == hashlib.sha256(b"x" * (LIMIT + 1)).hexdigest()


def test_a_known_digest_is_recorded_and_nothing_hashed() -> None:
    captured = _Capture(LIMIT)
    captured.know(("ab" * 32, 1000), 8)
    captured.feed(b"y" * 1000)
    assert captured.sha is None and captured.record(None, 8)["sha256"] == "ab" * 32


@given(st.binary(min_size=1, max_size=3 * LIMIT), st.lists(st.integers(min_value=0, max_value=3 * LIMIT), max_size=6))
def test_a_known_body_is_recorded_as_unknown_and_over_the_limit_only_its_head_is_kept(body: bytes, cuts: list[int]) -> None:
    """A stored file sent again (its digest and size known): the same record as the body whole
    names, but only the ``head`` the record shows is copied of a body over the limit (issue 12: 64 KB
    sliced and copied from each 685 KB ``queryImgCahe`` reply, ~25 µs a request)."""
    captured, at = _Capture(LIMIT), 0
    captured.know((hashlib.sha256(body).hexdigest(), len(body)), 64)
    for cut in sorted({min(c, len(body)) for c in cuts}) + [len(body)]:
        captured.feed(body[at:cut])
        at = cut
    assert captured.sha is None
    assert len(captured.kept) == (min(len(body), 64) if len(body) > LIMIT else len(body))
    assert captured.record("application/octet-stream", 64) == body_record(body, "application/octet-stream",
                                                                           limit=LIMIT, head=64)
