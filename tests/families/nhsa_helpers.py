"""Building national-index requests in tests: issued credentials, valid rows, one post."""
from __future__ import annotations

import copy
import itertools
from typing import Any

from reference.config import Config, InstitutionConfig
from reference.national.request import envelope
from sim.demo import demo_index_rows
from tests.conftest import NOW

SAVE = "/mie/api/mie/saveExamRpotImgIndx"
DELETE = "/mie/api/mie/deleteExamRpotImgIndx"
_seq = itertools.count(1)


def centre(config: Config, code: str = "S51080200001") -> InstitutionConfig:
    inst = config.institution(code)
    assert inst is not None
    return inst


def rows(config: Config, n: int = 1, *, seed: int | None = None) -> list[dict[str, Any]]:
    return copy.deepcopy(demo_index_rows(config, n, on=NOW.date(), seed=seed)[1])


def request(config: Config, operation: str, body_rows: list[Any], *, inst: InstitutionConfig | None = None,
            **overrides: Any) -> dict[str, Any]:
    body = envelope(config, inst or centre(config), operation, body_rows, now=NOW, sequence=next(_seq))
    body.update(overrides)
    return body


def save(running: Any, body_rows: list[Any], **overrides: Any) -> dict[str, Any]:
    body = request(running.config, "saveExamRpotImgIndx", body_rows, **overrides)
    response = running.client.post(SAVE, json=body)
    assert response.status_code == 200
    return response.json()


def delete(running: Any, indexes: list[Any], **overrides: Any) -> dict[str, Any]:
    body = request(running.config, "deleteExamRpotImgIndx", indexes, **overrides)
    response = running.client.post(DELETE, json=body)
    assert response.status_code == 200
    return response.json()


def rules_in(message: str) -> set[str]:
    """The rule ids a native ``message`` names."""
    import re

    return set(re.findall(r"\[([A-Z0-9-]+)\]", message or ""))
