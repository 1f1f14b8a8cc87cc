"""Driving a live sandbox through flow A in tests: upload, wait for states, post rows."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

CENTRE, HOSPITAL = "S51080200001", "H51080200011"


def wait_for(fetch: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool], *, timeout: float = 90) -> dict[str, Any]:
    """Poll a state until ``done`` (background jobs move it along); the last state seen."""
    deadline = time.monotonic() + timeout
    while True:
        state = fetch()
        if done(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def centre_state(http: httpx.Client, hi: str, centre: str = CENTRE) -> dict[str, Any]:
    return http.get(f"/_sandbox/state/centre/{centre}/exams/{hi}").json()


def province_state(http: httpx.Client, hi: str) -> dict[str, Any]:
    return http.get(f"/_sandbox/state/province/indexes/{hi}").json()


def settled(http: httpx.Client, hi: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Wait until the centre registered ``hi`` and the province finished pulling it."""
    centre = wait_for(lambda: centre_state(http, hi), lambda s: s.get("status") not in (None, "stored"))
    province = wait_for(lambda: province_state(http, hi),
                        lambda s: s.get("pullStatus") in ("pulled", "failed") or centre["status"] != "registered")
    return centre, province


def upload(http: httpx.Client, count: int, **extra: Any) -> list[dict[str, Any]]:
    reply = http.post("/_sandbox/actions/hospital-upload", json={"hospital": HOSPITAL, "count": count, **extra})
    assert reply.status_code == 200, reply.text
    return reply.json()["exams"]
