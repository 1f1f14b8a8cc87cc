"""A second sandbox process standing in for a vendor's system (issue 15's matrix): its own data
home, every DICOM SCP on a free port, no demo world, and the parties it calls back pointed at
ours."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from reference.config import Config, load_config
from reference.crypto import sm2
from sim.localnet import free_port, with_free_dicom_ports
from tests.servers import serve


def dicom_ports() -> dict[str, Any]:
    """Free ports for the three SCPs (and the C-MOVE destinations that name them)."""
    pacs, archive, gateway = free_port(), free_port(), free_port()
    return {"hospital": {"port": pacs, "move_destinations": {"GATEWAY_STORE": {"port": gateway},
                                                             "CLOUD_ARCHIVE": {"port": archive}}},
            "regional_platform": {"port": archive}, "gateway": {"port": gateway}}


@contextmanager
def vendor(tmp: Path, name: str, parties: dict[str, Any] | None = None, *, port: int | None = None) -> Iterator[str]:
    """``imgcloud serve --empty`` in a process of its own, with ``parties`` over free DICOM ports;
    yields its base URL."""
    merged = dicom_ports()
    for party, values in (parties or {}).items():
        merged[party] = {**merged.get(party, {}), **values}
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"parties": merged}, allow_unicode=True), encoding="utf-8")
    port = port or free_port()
    with serve(tmp / f"{name}-home", "--config", str(path), "--empty", port=port) as (url, _banner):
        yield url


def ours(tmp: Path, **parties: Any) -> Config:
    """Our side's config: data in ``tmp/main``, DICOM on free ports, ``parties`` merged in."""
    return with_free_dicom_ports(load_config(None, home=str(tmp / "main"), parties=parties))


def cloud_key() -> str:
    """The SM2 public key a sandbox with the default seed issues (what a vendor's cloud publishes)."""
    return sm2.issued_key(load_config(None)).public_key


def summary(result: Any) -> str:
    return "\n".join(f"{s.result:5} {s.id} [{s.reads}]: {'; '.join(s.messages)}" for sc in result.scenarios
                     for s in sc.steps) + "\n" + "\n".join(
        f"{i.result} {i.family} {i.operation} {i.direction}: {i.verdicts} {i.failing[:2]}" for i in result.interfaces)
