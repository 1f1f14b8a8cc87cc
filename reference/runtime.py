"""Settings changed while the sandbox runs (issue 13): which parties are simulated or external, and
the faults each party injects.  They are data in the database (``sandbox_state`` keys ``parties``
and ``faults``), so every worker and the DICOM services agree; each process re-reads them at most
every ``TTL`` seconds (at once after its own change), and applies a party switch by replacing the
party's entry of its ``config.parties`` — every ``base_url(config, party)`` then follows it.

Faults are matched by party, operation (``*``: any) and institution (calling AE title for DICOM);
``probability`` below 1 draws from a random generator seeded with the fault's ``seed``, so a run
is reproduced by the same settings (WireMock's ``Fault`` enum, as data; STYLE.md).
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reference.config import PartyConfig
from reference.storage.state import read_state, write_state

if TYPE_CHECKING:
    from reference.sandbox import Sandbox

PARTIES_KEY = "parties"
FAULTS_KEY = "faults"
TTL = 1.0

#: Fault kinds by transport (``openapi/sandbox.yaml`` Fault describes each one's parameters).
HTTP_KINDS = ("delay", "status", "empty", "truncated", "malformed", "reset", "slow")
DICOM_KINDS = ("reject", "abort", "status", "delay")
SOAP_KINDS = ("soap-fault", "status", "delay", "empty", "truncated", "malformed", "reset", "slow")
KINDS = tuple(dict.fromkeys((*HTTP_KINDS, *DICOM_KINDS, *SOAP_KINDS)))
DICOM_OPERATIONS = ("A-ASSOCIATE", "C-ECHO", "C-FIND", "C-GET", "C-MOVE", "C-STORE")


@dataclass
class Fault:
    """One fault as stored: what it matches and what it does."""

    id: str
    party: str
    kind: str
    operation: str = "*"
    institution: str | None = None
    status: int | None = None
    code: Any = None
    delay_ms: float = 0
    jitter_ms: float = 0
    after: int = 0
    probability: float = 1.0
    seed: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    def matches(self, party: str, operation: str | None, institution: str | None) -> bool:
        return (self.party == party and self.operation in ("*", operation)
                and (self.institution is None or self.institution == institution))

    def mark(self) -> dict[str, Any]:
        """What an exchange it touched records (``response.fault``)."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "party": self.party, "operation": self.operation}
        out.update({k: v for k, v in (("status", self.status), ("code", self.code), ("delay_ms", self.delay_ms),
                                      ("after", self.after)) if v})
        return out

    def as_dict(self) -> dict[str, Any]:
        """As stored and answered (unset fields left out)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


class FaultError(ValueError):
    """A fault definition that cannot be applied (which field, why)."""


def parse_fault(data: dict[str, Any], fault_id: str) -> Fault:
    known = set(Fault.__dataclass_fields__) - {"id"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise FaultError(f"unknown field {unknown[0]!r}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise FaultError(f"kind must be one of {', '.join(KINDS)}")
    probability = float(data.get("probability", 1.0))
    if not 0 <= probability <= 1:
        raise FaultError("probability must be between 0 and 1")
    return Fault(id=fault_id, **{k: v for k, v in data.items() if k in known})


def _stored(data: Any) -> Fault | None:
    """A stored fault, or None for a row this version cannot read (never breaks a request)."""
    try:
        return parse_fault({k: v for k, v in data.items() if k != "id"}, str(data["id"]))
    except (FaultError, TypeError, ValueError, KeyError, AttributeError):
        return None


class Runtime:
    """This process's view of the run-time settings, refreshed from the database."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.configured: dict[str, PartyConfig] = dict(sandbox.config.parties)
        self._lock = threading.Lock()
        self._loaded_at = -TTL
        self._parties: dict[str, dict[str, Any]] = {}
        self._faults: list[Fault] = []
        self._draws: dict[str, random.Random] = {}

    # -- reading ---------------------------------------------------------------------------
    def stale(self) -> bool:
        """Due for a re-read (the HTTP front door then re-reads off the event loop)."""
        return time.monotonic() - self._loaded_at >= TTL

    def refresh(self, *, force: bool = False) -> None:
        if not force and not self.stale():
            return
        try:
            parties = (read_state(self.sandbox.db, PARTIES_KEY) or {}).get("parties", {})
            faults = (read_state(self.sandbox.db, FAULTS_KEY) or {}).get("faults", [])
        except Exception:  # a busy database: keep what we have, try again soon
            self._loaded_at = time.monotonic()
            return
        with self._lock:
            self._parties = parties
            self._faults = [fault for f in faults if (fault := _stored(f)) is not None]
            self._loaded_at = time.monotonic()
            self._apply_parties()

    def _apply_parties(self) -> None:
        for party, base in self.configured.items():
            override = self._parties.get(party)
            self.sandbox.config.parties[party] = base.model_copy(update=override) if override else base

    def parties(self) -> dict[str, dict[str, Any]]:
        """Each party as it is now: mode and address, and whether it was switched at run time."""
        self.refresh()
        out = {}
        for party, cfg in self.sandbox.config.parties.items():
            out[party] = {"mode": cfg.mode, "base_url": cfg.base_url, "ae_title": cfg.ae_title, "host": cfg.host,
                          "port": cfg.port, "switched": party in self._parties,
                          "configured": self.configured[party].mode}
        return out

    def faults(self) -> list[Fault]:
        self.refresh()
        return list(self._faults)

    def fault_for(self, party: str | None, operation: str | None, institution: str | None,
                  kinds: tuple[str, ...] = KINDS, *, refresh: bool = True) -> Fault | None:
        """The first fault matching this exchange that fires now (seeded draw when probability < 1);
        ``refresh=False`` on the event loop (the HTTP front door re-read the settings off it)."""
        if party is None:
            return None
        if refresh:
            self.refresh()
        for fault in self._faults:
            if fault.kind in kinds and fault.matches(party, operation, institution) and self._fires(fault):
                return fault
        return None

    def _fires(self, fault: Fault) -> bool:
        if fault.probability >= 1:
            return True
        with self._lock:
            draw = self._draws.setdefault(fault.id, random.Random(f"{fault.seed}:{fault.id}"))
            return draw.random() < fault.probability

    def delay_seconds(self, fault: Fault) -> float:
        """The fault's delay: fixed, or uniform within ``± jitter_ms`` from its seeded generator."""
        if not fault.jitter_ms:
            return max(fault.delay_ms, 0) / 1000
        with self._lock:
            draw = self._draws.setdefault(f"delay:{fault.id}", random.Random(f"{fault.seed}:delay:{fault.id}"))
            value = draw.uniform(fault.delay_ms - fault.jitter_ms, fault.delay_ms + fault.jitter_ms)
        return max(value, 0) / 1000

    # -- changing --------------------------------------------------------------------------
    def set_party(self, party: str, settings: dict[str, Any] | None) -> PartyConfig:
        """Switch ``party`` (``settings`` None: back to its configuration); validated as a party config."""
        current = dict((read_state(self.sandbox.db, PARTIES_KEY) or {}).get("parties", {}))
        if settings is None:
            current.pop(party, None)
            result = self.configured[party]
        else:
            result = PartyConfig.model_validate({**self.configured[party].model_dump(), **settings})
            current[party] = {k: v for k, v in settings.items() if v is not None}
        write_state(self.sandbox.db, PARTIES_KEY, {"parties": current}, self.sandbox.now())
        self.refresh(force=True)
        return result

    def set_faults(self, faults: list[Fault]) -> None:
        write_state(self.sandbox.db, FAULTS_KEY, {"faults": [f.as_dict() for f in faults]}, self.sandbox.now())
        with self._lock:
            self._draws.clear()  # a new setting starts its seeded draws afresh
        self.refresh(force=True)
