"""Settings changed while the sandbox runs (issue 13): which parties are simulated or external, and
the faults each party injects.  They are data in the database (``sandbox_state`` keys ``parties``
and ``faults``), so every worker and the DICOM services agree; each process re-reads them at most
every ``TTL`` seconds (at once after its own change), and applies a party switch by replacing the
party's entry of its ``config.parties`` — every ``base_url(config, party)`` then follows it.

Faults are matched by party, operation (``*``: any) and institution (calling AE title for DICOM).
A fault that draws (``probability`` below 1, or a random delay: ``reference.fault_delays``) counts
the exchanges it matched in the database (``sandbox_state`` key ``fault-draws:<id>``, atomically),
and the n-th one's draws come from a generator seeded with ``(seed, id, n)`` only: every worker
and the DICOM services see one sequence, the same a single process would, and a run is
reproduced by the same settings (WireMock's ``Fault`` enum, as data; STYLE.md).  The draw number
is marked on the exchange (``response.fault.draw``).
"""
from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from reference import fault_delays
from reference.config import PartyConfig
from reference.storage.state import forget, next_count, read_state, write_state

if TYPE_CHECKING:
    from reference.sandbox import Sandbox

PARTIES_KEY = "parties"
FAULTS_KEY = "faults"
DRAWS_PREFIX = "fault-draws:"
TTL = 1.0

#: Fault kinds by transport (``openapi/sandbox.yaml`` Fault describes each one's parameters).
HTTP_KINDS = ("delay", "status", "empty", "truncated", "malformed", "reset", "slow")
DICOM_KINDS = ("reject", "abort", "status", "delay", "slow")
#: Families that check tokens answer a live one as expired (or issue tokens that expire at once).
TOKEN_KINDS = ("token-expired",)
SOAP_KINDS = ("soap-fault", "status", "delay", "empty", "truncated", "malformed", "reset", "slow")
KINDS = tuple(dict.fromkeys((*HTTP_KINDS, *DICOM_KINDS, *SOAP_KINDS, *TOKEN_KINDS)))
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
    distribution: str | None = None
    sigma: float | None = None
    max_ms: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    #: which matching exchange this is (set on the copy ``Runtime.fault_for`` returns; never stored)
    draw: int | None = None

    def matches(self, party: str, operation: str | None, institution: str | None) -> bool:
        return (self.party == party and self.operation in ("*", operation)
                and (self.institution is None or self.institution == institution))

    def mark(self) -> dict[str, Any]:
        """What an exchange it touched records (``response.fault``)."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "party": self.party, "operation": self.operation}
        out.update({k: v for k, v in (("status", self.status), ("code", self.code), ("delay_ms", self.delay_ms),
                                      ("after", self.after), ("distribution", self.distribution),
                                      ("draw", self.draw)) if v})
        return out

    def as_dict(self) -> dict[str, Any]:
        """As stored and answered (unset fields and the draw number left out)."""
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "draw"}


class FaultError(ValueError):
    """A fault definition that cannot be applied (which field, why)."""


def parse_fault(data: dict[str, Any], fault_id: str) -> Fault:
    known = set(Fault.__dataclass_fields__) - {"id", "draw"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise FaultError(f"unknown field {unknown[0]!r}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise FaultError(f"kind must be one of {', '.join(KINDS)}")
    probability = float(data.get("probability", 1.0))
    if not 0 <= probability <= 1:
        raise FaultError("probability must be between 0 and 1")
    fault = Fault(id=fault_id, **{k: v for k, v in data.items() if k in known})
    try:
        fault_delays.check(fault)
    except ValueError as exc:
        raise FaultError(str(exc)) from exc
    return fault


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
        self._local: dict[str, itertools.count[int]] = {}

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

    def has_faults(self) -> bool:
        """Whether any fault is set (as last read; the cheap test before ``fault_for``)."""
        return bool(self._faults)

    def fault_for(self, party: str | None, operation: str | None, institution: str | None,
                  kinds: tuple[str, ...] = KINDS, *, refresh: bool = True) -> Fault | None:
        """The first fault matching this exchange that fires now, as a copy carrying its draw
        number when it draws (a database write: call it off the event loop); ``refresh=False``
        when the settings were just re-read."""
        if party is None:
            return None
        if refresh:
            self.refresh()
        for fault in list(self._faults):
            if fault.kind in kinds and fault.matches(party, operation, institution):
                fired = self._fired(fault)
                if fired is not None:
                    return fired
        return None

    def _fired(self, fault: Fault) -> Fault | None:
        """``fault`` with its draw number when its n-th draw fires; None when it does not."""
        if fault.probability >= 1 and not fault_delays.is_random(fault):
            return fault
        n = self._count(fault)
        if fault.probability < 1 and draw_unit(fault, n) >= fault.probability:
            return None
        return replace(fault, draw=n)

    def _count(self, fault: Fault) -> int:
        """The number of this exchange among those ``fault`` matched, counted in the database;
        a busy database falls back to this process's own count (never breaks a request)."""
        try:
            return next_count(self.sandbox.db, DRAWS_PREFIX + fault.id, self.sandbox.now())
        except Exception:  # noqa: BLE001 - the count is best effort when the database is busy
            with self._lock:
                counter = self._local.setdefault(fault.id, itertools.count(1))
                return next(counter)

    def delay_seconds(self, fault: Fault, step: int = 0) -> float:
        """The fault's delay for the exchange it was drawn for (``step``: the n-th pause of a slow
        body), from its distribution (``reference.fault_delays``)."""
        rng = random.Random(f"{fault.seed}:{fault.id}:{fault.draw or 0}:delay:{step}")
        return fault_delays.sample_ms(fault, rng) / 1000

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
        """Store ``faults``; a fault new, changed or removed starts its draws afresh."""
        before = {f.get("id"): f for f in (read_state(self.sandbox.db, FAULTS_KEY) or {}).get("faults", [])}
        after = {f.id: f.as_dict() for f in faults}
        write_state(self.sandbox.db, FAULTS_KEY, {"faults": list(after.values())}, self.sandbox.now())
        changed = [str(i) for i in {*before, *after} if before.get(i) != after.get(i)]
        forget(self.sandbox.db, [DRAWS_PREFIX + i for i in changed])
        with self._lock:
            for fault_id in changed:
                self._local.pop(fault_id, None)
        self.refresh(force=True)


def draw_unit(fault: Fault, n: int) -> float:
    """The n-th matching exchange's draw in [0, 1): a function of (seed, id, n) only."""
    return random.Random(f"{fault.seed}:{fault.id}:{n}").random()
