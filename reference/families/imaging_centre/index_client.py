"""The centre's client of the national index (seeds/000 §1.1–1.2 as the caller): posts index
uploads and deletions to ``province_index``, simulated or external, every call recorded."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from reference.config import Config, InstitutionConfig
from reference.national.request import envelope, judge_reply
from reference.parties import base_url, endpoint_path
from reference.transports.http.client import RecordingClient

PARTY = "province_index"


class NhsaIndexClient:
    def __init__(self, config: Config, client: RecordingClient) -> None:
        self.config, self.client = config, client

    def url(self, operation: str) -> str:
        path = endpoint_path(PARTY, operation)
        if path is None:
            raise KeyError(f"{PARTY} serves no {operation}")
        return base_url(self.config, PARTY) + path

    def call(self, inst: InstitutionConfig, operation: str, rows: list[Any], *, now: datetime,
             node: str = "input") -> httpx.Response:
        body = envelope(self.config, inst, operation, rows, now=now, node=node)
        return self.client.post_json(self.url(operation), body, operation=operation,
                                     institution=inst.code, judge=judge_reply)
