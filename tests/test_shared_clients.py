"""One HTTP client per party and peer family per process (issue 12): the province's background
pulls and the centre's fetches reuse it (no ``httpx.Client``, SSL context or connection per call);
a caller's ``close`` leaves it open, the sandbox's ``close`` closes it."""
from __future__ import annotations

from reference.config import load_config
from reference.sandbox import Sandbox
from reference.transports.http.client import RecordingClient, shared_client


def test_shared_client_is_reused_and_closed_with_the_sandbox(tmp_path):
    sandbox = Sandbox.open(load_config(None, home=str(tmp_path / "home")))
    try:
        first = shared_client(sandbox, party="province_index", family="imaging-centre")
        first.close()  # what every caller does when it is done
        assert not first.http.is_closed
        assert shared_client(sandbox, party="province_index", family="imaging-centre") is first
        other = shared_client(sandbox, party="imaging_centre", family="hospital")
        assert other is not first
        own = RecordingClient(sandbox, party="x", family="y")
        own.close()
        assert own.http.is_closed  # an unshared client still closes
    finally:
        sandbox.close()
    assert first.http.is_closed and other.http.is_closed
