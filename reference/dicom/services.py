"""Starting the sandbox's SCPs together (``imgcloud serve``, tests, benchmark)."""
from __future__ import annotations

from reference.sandbox import Sandbox

from .archive import start_archive
from .gateway import start_gateway_store
from .pacs import start_pacs
from .scp import RunningScp

#: party -> starter; a party is started when simulated and given an AE title and port
STARTERS = {"hospital": start_pacs, "regional_platform": start_archive, "gateway": start_gateway_store}


def start_all(sandbox: Sandbox) -> list[RunningScp]:
    started: list[RunningScp] = []
    try:
        for party, start in STARTERS.items():
            cfg = sandbox.config.parties[party]
            if cfg.mode == "simulated" and cfg.ae_title and cfg.port:
                started.append(start(sandbox))
    except Exception:
        for scp in started:
            scp.stop()
        raise
    return started
