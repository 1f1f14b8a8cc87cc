"""Shared pieces of the 004 tests: the credentials issued to a hospital, a token, a push."""
from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from reference.config import Config
from reference.regional import identity
from sim.actors.regional import make_sign
from sim.fakedata.regional import RegionalExam, push_body, regional_exam

HOSPITAL = "H51080200011"
ON = date(2026, 11, 20)


def license_of(config: Config, hospital: str = HOSPITAL) -> str:
    inst = config.institution(hospital)
    assert inst is not None
    return identity.license_for(config, inst)


def token(http: httpx.Client | Any, config: Config, hospital: str = HOSPITAL) -> str:
    inst = config.institution(hospital)
    assert inst is not None
    reply = http.post("/openapi/v1/auth/getToken", json={"sign": make_sign(config, inst)}).json()
    assert reply["status"] == 0, reply
    return str(reply["result"]["token"])


def exam(config: Config, index: int = 0, seed: int = 4646, hospital: str = HOSPITAL) -> RegionalExam:
    return regional_exam(config, hospital, seed=seed, index=index, on=ON)


def push(http: httpx.Client | Any, config: Config, body: dict[str, Any], tok: str | None = None) -> dict[str, Any]:
    reply = http.post(f"/{config.parties['regional_platform'].project}/v1/exam/push", json=body,
                      headers={"token": tok or token(http, config)})
    return dict(reply.json())


__all__ = ["HOSPITAL", "ON", "exam", "license_of", "push", "push_body", "token"]
