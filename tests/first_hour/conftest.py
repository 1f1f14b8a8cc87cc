"""One sandbox for the first-hour tests (issue 14), started as the README says — ``imgcloud serve``
on an empty data home — with free ports; its demo world seeded once for every test here."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.servers import serve


@dataclass(frozen=True)
class World:
    base: str
    banner: str
    home: Path
    config: Path  # the config file giving the SCPs their free ports

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "IMGCLOUD_HOME": str(self.home), **extra}


def wait_until_ready(base: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        demo = httpx.get(f"{base}/_sandbox/health", timeout=10).json()["demo"]
        if demo["status"] in ("ready", "failed") or time.monotonic() > deadline:
            return demo
        time.sleep(0.3)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("first-hour")
    home = root / "home"
    with serve(home) as (base, banner):
        config = next(root.glob("serve-*.yaml"))
        demo = wait_until_ready(base)
        assert demo["status"] == "ready", demo
        yield World(base, banner, home, config)
