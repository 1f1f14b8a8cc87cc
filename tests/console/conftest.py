"""One sandbox with its DICOM services for the console tests (issue 13), on free ports."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from reference.config import Config, load_config
from sim.localnet import with_free_dicom_ports
from sim.scenario.server import running_sandbox, with_public_url
from tests.flow_helpers import settled, upload


@dataclass
class World:
    base: str
    http: httpx.Client
    pacs_port: int
    exams: list[dict]
    config: Config  # as served: its public URL is ``base``


@contextmanager
def served_world(home: str, seed: int) -> Iterator[World]:
    """A sandbox with its DICOM services, one exam uploaded and settled (``seed``), and traffic on
    every transport in its log."""
    config = with_free_dicom_ports(load_config(None, home=home))
    with running_sandbox(config, dicom=True) as base, httpx.Client(base_url=base, timeout=120) as http:
        exams = upload(http, 1, seed=seed)
        settled(http, exams[0]["hiImgIndx"])
        every_transport(http, int(config.parties["hospital"].port or 0))
        yield World(base, http, int(config.parties["hospital"].port or 0), exams, with_public_url(config, base))


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with served_world(str(tmp_path_factory.mktemp("console")), 1313) as served:
        yield served


def every_transport(http: httpx.Client, pacs_port: int) -> None:
    """An exchange of each transport besides flow A's HTTP: a SOAP call (refused), the gateway
    reading the hospital's view (SQL), a C-ECHO to the hospital PACS and an unknown caller
    rejected by it (DICOM)."""
    http.post("/YlzSynInfoService/services/service", content=b"<x/>", headers={"content-type": "text/xml"})
    assert http.post("/_sandbox/actions/gateway-pull", json={"source": "view"}).status_code == 200
    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", pacs_port, ae_title="HOSP_PACS")
    assert assoc.is_established
    assoc.send_c_echo()
    assoc.release()
    stranger = AE(ae_title="STRANGER")  # not among the PACS's callers: rejected, a failing exchange
    stranger.add_requested_context(Verification)
    assert stranger.associate("127.0.0.1", pacs_port, ae_title="HOSP_PACS").is_rejected


@pytest.fixture(autouse=True)
def no_faults_left(world: World) -> Iterator[None]:
    """Each test starts and ends with no fault and every party as configured."""
    world.http.delete("/_sandbox/faults")
    yield
    world.http.delete("/_sandbox/faults")
    for party in world.http.get("/_sandbox/parties").json():
        world.http.post(f"/_sandbox/parties/{party}", json={"mode": "configured"})
