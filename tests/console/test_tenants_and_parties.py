"""Tenancy and party switches (issue 13): two vendors driven at once each see only their own
exchanges, and resetting one leaves the other's intact; a party switched at run time is stored in
the database (another worker sees it), followed by every client, and recorded as an event."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from reference.config import load_config
from reference.parties import base_url
from reference.sandbox import Sandbox
from tests.console.conftest import World
from tests.flow_helpers import upload

TENANTS = ("H51080200011", "H51080200012")
CENTRE = "S51080200001"


def _mine(world: World, code: str) -> list[dict]:
    return world.http.get("/_sandbox/exchanges", params={"institution": code, "limit": 1000, "bodies": "none"}).json()


def test_two_tenants_see_only_their_own_and_reset_one(world: World) -> None:
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda code: upload(world.http, 1, hospital=code, seed=77), TENANTS))
    first, second = (_mine(world, code) for code in TENANTS)
    assert first and second
    assert {e["institution"] for e in first} == {TENANTS[0]} and {e["institution"] for e in second} == {TENANTS[1]}
    world.http.post("/_sandbox/faults", json={"party": "imaging_centre", "kind": "delay", "institution": TENANTS[0]})
    world.http.post("/_sandbox/faults", json={"party": "imaging_centre", "kind": "delay", "institution": TENANTS[1]})
    held = {e["hospital"] for e in world.http.get(f"/_sandbox/state/centre/{CENTRE}/exams").json()}
    assert set(TENANTS) <= held
    reply = world.http.post(f"/_sandbox/tenants/{TENANTS[0]}/reset")
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    # its exchanges, and the event of the fault scoped to it
    assert (answer["tenant"], answer["exchanges"], answer["faults"]) == (TENANTS[0], len(first) + 1, 1)
    assert answer["state"]["centre_exams"] >= 1
    held = {e["hospital"] for e in world.http.get(f"/_sandbox/state/centre/{CENTRE}/exams").json()}
    assert TENANTS[0] not in held and TENANTS[1] in held
    assert _mine(world, TENANTS[0]) == []
    assert [e["uid"] for e in _mine(world, TENANTS[1]) if e["operation"] != "addFault"] == [e["uid"] for e in second]
    assert [f["institution"] for f in world.http.get("/_sandbox/faults").json()] == [TENANTS[1]]


def test_reset_of_an_unknown_tenant_is_refused(world: World) -> None:
    reply = world.http.post("/_sandbox/tenants/NOBODY/reset")
    assert reply.status_code == 404 and reply.json()["findings"][0]["rule"] == "SANDBOX-TENANT-UNKNOWN"


def test_a_party_switch_is_stored_for_every_worker_and_recorded(world: World, tmp_path) -> None:
    reply = world.http.post("/_sandbox/parties/province_cloud", json={"mode": "external", "base_url": "http://127.0.0.1:9/"})
    assert reply.status_code == 200 and reply.json()["mode"] == "external" and reply.json()["switched"]
    assert world.http.get("/_sandbox/parties").json()["province_cloud"]["mode"] == "external"
    event = world.http.get("/_sandbox/exchanges", params={"operation": "setParty", "limit": 1}).json()[0]
    assert event["family"] == "sandbox" and event["response"]["json"]["after"]["mode"] == "external"
    assert event["response"]["json"]["before"]["mode"] == "simulated"
    back = world.http.post("/_sandbox/parties/province_cloud", json={"mode": "configured"}).json()
    assert back["mode"] == "simulated" and not back["switched"]


def test_another_worker_follows_the_database(tmp_path) -> None:
    config = load_config(None, home=str(tmp_path))
    one, two = Sandbox.open(config), Sandbox.open(config)
    try:
        assert base_url(two.config, "province_index") == config.public_url
        one.runtime.set_party("province_index", {"mode": "external", "base_url": "http://10.0.0.9:8080"})
        two.runtime.refresh(force=True)
        assert base_url(two.config, "province_index") == "http://10.0.0.9:8080"
        assert base_url(config, "province_index") == config.public_url  # the caller's config is not touched
        one.runtime.set_party("province_index", None)
        two.runtime.refresh(force=True)
        assert base_url(two.config, "province_index") == config.public_url
    finally:
        one.close()
        two.close()


def test_unknown_or_incomplete_party_switches_are_refused(world: World) -> None:
    reply = world.http.post("/_sandbox/parties/nobody", json={"mode": "external", "base_url": "http://x"})
    assert reply.status_code == 404 and reply.json()["findings"][0]["rule"] == "SANDBOX-PARTY-UNKNOWN"
    reply = world.http.post("/_sandbox/parties/hospital", json={"mode": "external"})
    assert reply.status_code == 400 and reply.json()["findings"][0]["rule"] == "SANDBOX-PARTY-INVALID"


def test_run_time_settings_need_the_admin_token_on_an_exposed_listener(tmp_path) -> None:
    from reference.transports.http.admin import protected

    exposed = load_config(None, home=str(tmp_path), listen={"host": "0.0.0.0"})
    local = load_config(None, home=str(tmp_path))
    for path in ("/_sandbox/parties", "/_sandbox/parties/hospital", "/_sandbox/faults", "/_sandbox/tenants/X/reset"):
        assert protected(exposed, path) and not protected(local, path)
    assert not protected(exposed, "/_sandbox/console")
