"""The gateway's schedule (parties.gateway.gateway.poll_seconds): each run collects, for every
hospital it serves, what was audited since the previous run; it starts and stops with the
gateway's storage SCP (the serving process's parent, never per worker)."""
from __future__ import annotations

import httpx

from reference.app import start_dicom
from reference.clock import FrozenClock
from reference.families.gateway.poller import Poller
from reference.families.gateway.store import GatewayServices
from reference.sandbox import Sandbox
from reference.storage.models import GatewayCursor
from sim.localnet import dicom_config
from sim.scenario.server import running_sandbox, with_public_url
from tests.conftest import NOW

H1 = "H51080200011"


def test_each_run_collects_what_is_new(tmp_path):
    clock = FrozenClock(NOW)
    sources = {H1: {"reports": "view", "images": "wado"}, "H51080200012": {"reports": "http", "images": "wado"}}
    config = dicom_config(tmp_path / "home", gateway={"gateway": {"sources": sources}})
    with running_sandbox(config, clock=clock) as base, httpx.Client(base_url=base, timeout=300) as http:
        sandbox = Sandbox.open(with_public_url(config, base), clock=clock, migrate=False)
        try:
            exam = http.post("/_sandbox/actions/hospital-examine",
                             json={"hospital": H1, "count": 1, "seed": 61, "instancesPerSeries": 1}).json()["exams"][0]
            poller = Poller(sandbox, 60)
            first = {run["hospital"]: run for run in poller.run_once()}
            assert set(first) == {H1, "H51080200012"}
            assert [(e["examNo"], e["status"]) for e in first[H1]["exams"]] == [(exam["examNo"], "uploaded")]
            with sandbox.db.session() as session:
                assert session.get(GatewayCursor, H1).until == NOW
            clock.advance(minutes=5)
            again = {run["hospital"]: run for run in poller.run_once()}
            assert again[H1]["exams"] == []  # nothing audited since the last run
        finally:
            sandbox.close()


def test_the_schedule_starts_and_stops_with_the_gateways_scp(tmp_path):
    sandbox = Sandbox.open(dicom_config(tmp_path / "home", gateway={"gateway": {"poll_seconds": 3600}}))
    scps = start_dicom(sandbox)
    try:
        gateway = next(s for s in scps if s.party == "gateway")
        assert isinstance(gateway, GatewayServices) and gateway.poller is not None
        assert gateway.poller._thread.is_alive()
    finally:
        for scp in scps:
            scp.stop()
        sandbox.close()
    assert not gateway.poller._thread.is_alive()


def test_a_report_audited_before_the_cursor_is_collected_only_with_an_overlap(tmp_path):
    """The exam's report is audited before the run that moved the cursor past it, but appears in the
    hospital's database only after that run: a strict cursor misses it for ever; ``poll_overlap_hours``
    re-reads that much before the cursor and collects it (once: an uploaded exam is not collected again)."""
    clock = FrozenClock(NOW)
    sources = {H1: {"reports": "view", "images": "wado"}}
    for overlap, expected in ((0, []), (24 * 14, ["uploaded"])):  # audited 10 days before NOW
        config = dicom_config(tmp_path / f"home-{overlap}", gateway={"gateway": {"sources": sources,
                                                                                 "poll_overlap_hours": overlap}})
        with running_sandbox(config, clock=clock) as base, httpx.Client(base_url=base, timeout=300) as http:
            sandbox = Sandbox.open(with_public_url(config, base), clock=clock, migrate=False)
            try:
                poller = Poller(sandbox, 60)
                http.post("/_sandbox/actions/hospital-examine",  # the hospital's database exists
                          json={"hospital": H1, "count": 1, "seed": 62, "instancesPerSeries": 1}).raise_for_status()
                assert all(not run["findings"] for run in poller.run_once()), "the first run moves the cursor to NOW"
                exam = http.post("/_sandbox/actions/hospital-examine",
                                 json={"hospital": H1, "count": 1, "seed": 61, "instancesPerSeries": 1}).json()["exams"][0]
                assert exam["auditTime"] <= NOW.strftime("%Y-%m-%d %H:%M:%S")  # audited before the cursor
                clock.advance(minutes=5)
                late = {run["hospital"]: run for run in poller.run_once()}[H1]
                assert [e["status"] for e in late["exams"] if e["examNo"] == exam["examNo"]] == expected
            finally:
                sandbox.close()
