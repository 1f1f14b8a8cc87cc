"""Token/auth faults (issue 13) on the provincial cloud's HTTP interface: getToken answering
11001 / 11003 / 11004, a live X-Token answered as expired, and a token issued already expired —
each in the family's own envelope and marked on its exchange."""
from __future__ import annotations

import tempfile

import pytest

from reference.config import load_config
from tests.console.conftest import World

HOSPITAL = "H51080200011"


def _secret(world: World) -> str:
    config = load_config(None, home=tempfile.mkdtemp())  # the default seed, as the world's sandbox
    inst = config.institution(HOSPITAL)
    assert inst is not None
    return config.secret_for(inst)


def _token(world: World) -> dict:
    reply = world.http.post("/interface/getToken", json={"uid": HOSPITAL, "appSecret": _secret(world)})
    assert reply.status_code in (200, 403), reply.text
    return {**reply.json(), "exchange": reply.headers["x-imgcloud-exchange"]}


def _fault(world: World, **fault: object) -> dict:
    reply = world.http.post("/_sandbox/faults", json={"party": "province_cloud", **fault})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _mark(world: World, uid: str) -> dict:
    return world.http.get("/_sandbox/exchanges", params={"uid": uid}).json()[0]["response"].get("fault") or {}


def _image_url(world: World, token: str) -> dict:
    reply = world.http.post("/interface/getdigitalImageUrl", json={"examId": "1"}, headers={"X-Token": token})
    return {**reply.json(), "exchange": reply.headers["x-imgcloud-exchange"]}


@pytest.mark.parametrize("code", [11001, 11003, 11004])
def test_get_token_answers_the_auth_code_set(world: World, code: int) -> None:
    _fault(world, operation="getToken", kind="status", status=200, code=code)
    answer = _token(world)
    assert answer["code"] == code and answer.get("datas") is None
    assert _mark(world, answer["exchange"])["kind"] == "status"


def test_a_live_token_is_answered_as_expired(world: World) -> None:
    token = _token(world)["datas"]["token"]
    assert _image_url(world, token)["code"] != 403  # live: refused for other reasons, not the token
    _fault(world, operation="getdigitalImageUrl", kind="token-expired")
    answer = _image_url(world, token)
    assert answer["code"] == 403 and "PCLOUD-TOKEN-EXPIRED" in answer["msg"]
    assert _mark(world, answer["exchange"])["kind"] == "token-expired"


def test_a_token_issued_already_expired(world: World) -> None:
    _fault(world, operation="getToken", kind="token-expired", params={"ttl_s": 0})
    issued = _token(world)
    assert issued["code"] == 200 and _mark(world, issued["exchange"])["kind"] == "token-expired"
    world.http.delete("/_sandbox/faults")
    answer = _image_url(world, issued["datas"]["token"])
    assert answer["code"] == 403 and "PCLOUD-TOKEN-EXPIRED" in answer["msg"]
    assert _mark(world, answer["exchange"]) == {}  # the family's own expiry: no fault on this one
