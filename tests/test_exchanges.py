"""The exchange log: inbound and outbound records, filters, large bodies kept as digests."""
from __future__ import annotations

import hashlib
import json

import httpx

from reference.families.imaging_centre.index_client import NhsaIndexClient
from reference.transports.http.client import RecordingClient
from tests.conftest import NOW
from tests.families.nhsa_helpers import SAVE, request, rows


def test_filters_and_newest_first(running):
    good = request(running.config, "saveExamRpotImgIndx", rows(running.config))
    running.client.post(SAVE, json=good)
    running.client.post(SAVE, json=dict(good, key="bad", msgid=good["msgid"][:-1] + "9"))
    log = running.client.get("/_sandbox/exchanges?direction=inbound").json()  # not the province's pull
    assert [e["verdict"] for e in log[:2]] == ["fail", "pass"]
    assert log[0]["id"] > log[1]["id"]
    assert [e["verdict"] for e in running.client.get("/_sandbox/exchanges?verdict=pass&direction=inbound").json()] == ["pass"]
    by_inst = running.client.get("/_sandbox/exchanges?institution=S51080200001&operation=saveExamRpotImgIndx").json()
    assert len(by_inst) == 2 and all(e["party"] == "province_index" for e in by_inst), by_inst
    assert running.client.get("/_sandbox/exchanges?limit=1&direction=inbound").json()[0]["id"] == log[0]["id"]
    assert log[1]["request"]["json"]["infno"] == "saveExamRpotImgIndx"
    assert log[1]["response"]["json"]["code"] == 0


def test_bad_query_parameter_gets_the_sandbox_envelope(running):
    reply = running.client.get("/_sandbox/exchanges?limit=0")
    assert reply.status_code == 400
    assert reply.json()["findings"][0]["rule"] == "HTTP-PARAMETER"


def test_large_bodies_are_kept_as_size_sha256_and_head(make_config, make_running):
    running = make_running(make_config(exchange_log={"body_limit": 2048, "head_bytes": 64}))
    body = request(running.config, "saveExamRpotImgIndx", rows(running.config, 3))
    raw = json.dumps(body).encode()
    running.client.post(SAVE, content=raw, headers={"content-type": "application/json"})
    entry = running.client.get("/_sandbox/exchanges?limit=1&direction=inbound").json()[0]
    assert entry["request"]["truncated"] is True
    assert entry["request"]["size"] == len(raw)
    assert entry["request"]["sha256"] == hashlib.sha256(raw).hexdigest()
    assert raw.decode().startswith(entry["request"]["head"]) and len(entry["request"]["head"]) == 64
    assert "json" in entry["response"]  # the small reply is kept whole


def test_simulator_calls_are_recorded_outbound(running):
    """The centre simulator's client, posting through a transport into the sandbox app."""
    client = RecordingClient(running.sandbox, party="imaging_centre", family="nhsa-index",
                             transport=_AsgiTransport(running.client))
    centre = running.config.institution("S51080200001")
    reply = NhsaIndexClient(running.config, client).call(centre, "saveExamRpotImgIndx",
                                                          rows(running.config), now=NOW)
    assert reply.json()["code"] == 0
    log = running.client.get("/_sandbox/exchanges?operation=saveExamRpotImgIndx").json()
    directions = sorted(e["direction"] for e in log)
    assert directions == ["inbound", "outbound"]
    outbound = next(e for e in log if e["direction"] == "outbound")
    assert outbound["party"] == "imaging_centre" and outbound["verdict"] == "pass"


class _AsgiTransport(httpx.BaseTransport):
    """Route the simulator's httpx calls into the in-process test client."""

    def __init__(self, client) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply = self.client.request(request.method, request.url.path, content=request.content,
                                    headers={"content-type": request.headers.get("content-type", "")})
        return httpx.Response(reply.status_code, headers=dict(reply.headers), content=reply.content)


def test_response_names_its_exchange(running):
    reply = running.client.post(SAVE, json=request(running.config, "saveExamRpotImgIndx", rows(running.config)))
    uid = reply.headers["x-imgcloud-exchange"]
    entry = running.client.get(f"/_sandbox/exchanges?uid={uid}").json()
    assert len(entry) == 1 and entry[0]["uid"] == uid and entry[0]["operation"] == "saveExamRpotImgIndx"


def test_exchange_uids_are_distinct_time_ordered_version_7_uuids():
    """Made from random bytes read 256 at a time (issue 12) after the Unix time in milliseconds, with
    the version and variant bits RFC 9562 sets; distinct across refills and threads, each thread's
    in time order (the exchange log's unique index on them grows at its end)."""
    import threading
    import time
    import uuid

    from reference.exchanges.record import _Uids

    uids, made = _Uids(), []
    start = time.time_ns() // 1_000_000

    def take() -> None:
        mine = [uids() for _ in range(3 * _Uids.SIZE // _Uids.RANDOM)]
        assert [u[:12] for u in mine] == sorted(u[:12] for u in mine)
        made.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = time.time_ns() // 1_000_000
    assert len(made) == len(set(made)) == 12 * _Uids.SIZE // _Uids.RANDOM
    for uid in made[:600]:
        parsed = uuid.UUID(hex=uid)
        assert (parsed.version, parsed.variant, parsed.hex) == (7, uuid.RFC_4122, uid)
        assert start <= int(uid[:12], 16) <= end
