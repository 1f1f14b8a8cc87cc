"""HTTP faults (issue 13) on a real server: each kind answered as set and marked on its exchange."""
from __future__ import annotations

import json

import httpx
import pytest

from tests.console.conftest import World

OPERATION = "saveExamRpotImgIndx"
PATH = "/mie/api/mie/saveExamRpotImgIndx"


def _fault(world: World, **fault: object) -> dict:
    reply = world.http.post("/_sandbox/faults", json={"party": "province_index", "operation": OPERATION, **fault})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _exchange(world: World, uid: str) -> dict:
    found = world.http.get("/_sandbox/exchanges", params={"uid": uid}).json()
    assert found, uid
    return found[0]


def _newest(world: World) -> dict:
    return world.http.get("/_sandbox/exchanges", params={"operation": OPERATION, "limit": 1}).json()[0]


def test_status_fault_answers_the_native_envelope_with_the_code_set(world: World) -> None:
    fault = _fault(world, kind="status", status=503, code=-9)
    reply = world.http.post(PATH, json={})
    assert reply.status_code == 503
    body = reply.json()
    assert body["code"] == -9 and "FAULT-INJECTED" in body["message"]
    recorded = _exchange(world, reply.headers["x-imgcloud-exchange"])
    assert recorded["status"] == 503 and recorded["response"]["fault"]["id"] == fault["id"]


@pytest.mark.parametrize("kind", ["empty", "truncated", "malformed"])
def test_body_faults_send_what_no_parser_accepts(world: World, kind: str) -> None:
    clean = world.http.post(PATH, json={})
    _fault(world, kind=kind)
    reply = world.http.post(PATH, json={})
    assert reply.status_code == clean.status_code
    if kind == "empty":
        assert reply.content == b""
    else:
        assert 0 < len(reply.content) < len(clean.content) + 8
        with pytest.raises(ValueError):
            json.loads(reply.content)
    assert _exchange(world, reply.headers["x-imgcloud-exchange"])["response"]["fault"]["kind"] == kind


def test_reset_drops_the_connection_and_is_recorded(world: World) -> None:
    _fault(world, kind="reset")
    with httpx.Client(base_url=world.base, timeout=30) as fresh, pytest.raises(httpx.TransportError):
        fresh.post(PATH, json={})
    assert _newest(world)["response"]["fault"]["kind"] == "reset"


@pytest.mark.parametrize("kind", ["delay", "slow"])
def test_delay_and_slow_deliver_the_whole_reply(world: World, kind: str) -> None:
    _fault(world, kind=kind, delay_ms=20, params={"chunk": 16})
    reply = world.http.post(PATH, json={})
    assert reply.json()["code"] != 0  # the real (refusing) reply, complete
    assert _exchange(world, reply.headers["x-imgcloud-exchange"])["response"]["fault"]["kind"] == kind


def test_a_fault_for_another_institution_or_operation_leaves_this_one_alone(world: World) -> None:
    _fault(world, kind="status", status=503, institution="SOMEONE-ELSE")
    world.http.post("/_sandbox/faults", json={"party": "province_index", "operation": "deleteExamRpotImgIndx",
                                               "kind": "empty"})
    reply = world.http.post(PATH, json={})
    assert reply.status_code != 503 and reply.content
    assert "fault" not in _exchange(world, reply.headers["x-imgcloud-exchange"])["response"]


def test_seeded_probability_repeats_the_same_draws(world: World) -> None:
    def draws() -> list[int]:
        world.http.delete("/_sandbox/faults")
        _fault(world, kind="status", status=502, probability=0.5, seed=7)
        return [world.http.post(PATH, json={}).status_code for _ in range(12)]
    first = draws()
    assert 502 in first and any(s != 502 for s in first)
    assert draws() == first


def test_invalid_faults_are_refused_natively(world: World) -> None:
    reply = world.http.post("/_sandbox/faults", json={"party": "nobody", "kind": "empty"})
    assert reply.status_code == 404 and reply.json()["findings"][0]["rule"] == "SANDBOX-PARTY-UNKNOWN"
    reply = world.http.post("/_sandbox/faults", json={"party": "hospital", "kind": "delay", "colour": "red"})
    assert reply.status_code == 400 and reply.json()["findings"][0]["rule"] == "SANDBOX-FAULT-INVALID"
