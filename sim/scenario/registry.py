"""What scenario files may name: party actions, interfaces (envelope builders), data
generators and value mutators, each registered under its name with a decorator.

    @action("hospital.upload_exams")            # (ctx, params) -> JSON-able result
    @envelope("province_index.saveExamRpotImgIndx")  # (ctx, institution_code, rows, operation) -> body
    @generator("index_rows")                    # (ctx, params) -> rows
    @mutator("wrong_check_char")                # (value, args) -> new value

SOAP operations need no registration: every operation of a family's WSDL is ``party.Operation``
(``Registry.soap_interfaces``).

Each family names the module that registers its scenario names in its record
(``Family.sim_steps``; ``load_families`` imports them all); generic ones live at the end of
this module.
"""
from __future__ import annotations

import importlib
import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from reference.clock import Clock
from reference.config import Config, InstitutionConfig
from reference.families import all_families
from reference.parties import base_url, endpoint_path
from reference.sandbox import Sandbox

F = TypeVar("F", bound=Callable[..., Any])
#: msgid sequence numbers: process-wide, from a random start, so runs in one second differ.
_SEQUENCE: Iterator[int] = itertools.count(random.randrange(9999))


class StepSkipped(Exception):
    """Raised by an action when the step cannot be judged here; the step is ``skip``."""


@dataclass
class StepContext:
    """What an action, envelope builder or generator gets: the run's config, client and vars."""

    config: Config
    base_url: str
    http: httpx.Client
    vars: dict[str, Any]
    clock: Clock
    log: Callable[[str], None]
    step_id: str = ""
    #: The step's ``as:`` institution code, if any.
    institution: str | None = None
    #: The exchange uid the step's expectations read findings from; an action may set it.
    exchange_uid: str | None = None
    #: where ``exchange_uid`` was logged: the sandbox serving the party called (default: base_url)
    exchange_base: str | None = None
    exchange_timeout: float = 5.0
    #: Opens the sandbox's storage, when the runner may read it (it started the sandbox).
    storage: Callable[[], Sandbox] | None = field(default=None, repr=False)

    def party_url(self, party: str) -> str:
        """Where ``party`` is reached: the sandbox under test when simulated, else its own address."""
        return base_url(self.config, party)

    def is_external(self, party: str) -> bool:
        return self.config.parties[party].mode == "external"

    def internals_url(self, party: str) -> str:
        """Where ``party``'s internals (its ``/_sandbox/`` state and actions) are read: the sandbox
        under test; ``StepSkipped`` when ``party`` is external (a vendor's system has none)."""
        if self.is_external(party):
            raise StepSkipped(external_reason(party, self.party_url(party)))
        return self.base_url

    def ours(self, party: str) -> str:
        """``inbound`` when the sandbox under test serves ``party`` (it received the calls), else
        ``outbound``: our simulators' record of the calls they made to the external ``party``."""
        return "outbound" if self.is_external(party) else "inbound"

    def institution_config(self, code: str) -> InstitutionConfig:
        inst = self.config.institution(code)
        if inst is None:
            known = ", ".join(i.code for i in self.config.institutions)
            raise KeyError(f"institution {code!r} is not in the config (configured: {known})")
        return inst

    def next_sequence(self) -> int:
        """A msgid sequence number, 1–9999."""
        return next(_SEQUENCE) % 9999 + 1

    def exchange(self, uid: str | None = None) -> dict[str, Any] | None:
        """The sandbox's log entry for ``uid`` (default: this step's); polled briefly, since the
        entry is written just after the response is sent."""
        uid = uid or self.exchange_uid
        if not uid:
            return None
        deadline = time.monotonic() + self.exchange_timeout
        while True:
            base = self.exchange_base or self.base_url
            found = self.http.get(f"{base}/_sandbox/exchanges", params={"uid": uid}).json()
            if found or time.monotonic() > deadline:
                return found[0] if found else None
            time.sleep(0.05)

    def sandbox(self) -> Sandbox:
        """The sandbox's storage (stored state), or ``StepSkipped`` when the runner cannot read it."""
        if self.storage is None:
            raise StepSkipped("stored state is readable only when the runner started the sandbox")
        return self.storage()


def external_reason(party: str, url: str) -> str:
    """Why a step that reads ``party``'s internals is not run (bilingual)."""
    return (f"读取 {party} 的内部状态，而 {party} 是外部被测系统（{url}），无沙箱内部接口 / "
            f"reads the internals of {party}, which is external ({url}): a system under test has no sandbox state")


Action = Callable[[StepContext, dict[str, Any]], Any]
EnvelopeBuilder = Callable[[StepContext, str, list[Any], str], Any]
Generator = Callable[[StepContext, dict[str, Any]], Any]
Mutator = Callable[[Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class Interface:
    """``party.operation``: where it is posted and how its request body is built."""

    name: str
    party: str
    operation: str
    build: EnvelopeBuilder
    path: str | None = None
    method: str = "POST"

    def url(self, ctx: StepContext) -> str:
        path = self.path or endpoint_path(self.party, self.operation)
        if path is None:
            raise KeyError(f"{self.name}: {self.party} serves no {self.operation} (family contracts) and no path is registered")
        return ctx.party_url(self.party) + path.format_map(ctx.vars)  # e.g. /centre/{centre}/imgDld


@dataclass(frozen=True)
class SoapInterface:
    """``party.Operation`` of a family's WSDL: where it is posted (the service's address path,
    its ``{parameters}`` from the scenario's vars)."""

    name: str
    party: str
    family: str
    wsdl: str
    operation: str

    def url(self, ctx: StepContext) -> str:
        from reference.transports.soap import wsdl

        return ctx.party_url(self.party) + wsdl.load(self.wsdl).path.format_map(ctx.vars)


class Registry:
    def __init__(self) -> None:
        self.actions: dict[str, Action] = {}
        self.interfaces: dict[str, Interface] = {}
        self.generators: dict[str, Generator] = {}
        self.mutators: dict[str, Mutator] = {}

    def soap_interfaces(self) -> dict[str, SoapInterface]:
        """Every operation of every family's WSDL, as ``party.Operation``."""
        from reference.transports.soap import wsdl

        return {f"{f.party}.{op}": SoapInterface(f"{f.party}.{op}", f.party, f.name, f.wsdl, op)
                for f in all_families() if f.wsdl for op in wsdl.load(f.wsdl).operations}

    def copy(self) -> Registry:
        other = Registry()
        for name in ("actions", "interfaces", "generators", "mutators"):
            setattr(other, name, dict(getattr(self, name)))
        return other

    @staticmethod
    def _add(table: dict[str, Any], kind: str, name: str, value: Any) -> None:
        if name in table and table[name] is not value:
            raise ValueError(f"{kind} {name!r} is registered twice")
        table[name] = value

    def action(self, name: str) -> Callable[[F], F]:
        def register(fn: F) -> F:
            self._add(self.actions, "action", name, fn)
            return fn
        return register

    def envelope(self, name: str, *, path: str | None = None, method: str = "POST") -> Callable[[F], F]:
        party, _, operation = name.partition(".")
        if not operation:
            raise ValueError(f"interface {name!r} must be party.operation")

        def register(fn: F) -> F:
            self._add(self.interfaces, "interface", name, Interface(name, party, operation, fn, path, method))
            return fn
        return register

    def generator(self, name: str) -> Callable[[F], F]:
        def register(fn: F) -> F:
            self._add(self.generators, "generator", name, fn)
            return fn
        return register

    def mutator(self, name: str) -> Callable[[F], F]:
        def register(fn: F) -> F:
            self._add(self.mutators, "mutator", name, fn)
            return fn
        return register


REGISTRY = Registry()
action = REGISTRY.action
envelope = REGISTRY.envelope
generator = REGISTRY.generator
mutator = REGISTRY.mutator


def load_families() -> Registry:
    """Import every family's scenario module (registering its names) and return the shared registry."""
    for family in all_families():
        if family.sim_steps:
            importlib.import_module(family.sim_steps)
    return REGISTRY


# -- generic names ----------------------------------------------------------------------------

@mutator("wrong_check_char")
def wrong_check_char(value: Any, args: dict[str, Any]) -> str:
    """Another last character of the same alphabet: a wrong GB 11643 / GB 32100 check character."""
    text = str(value)
    last = text[-1:]
    return text[:-1] + (str((int(last) + 1) % 10) if last.isdigit() else "0")


@mutator("replace_part")
def replace_part(value: Any, args: dict[str, Any]) -> str:
    """``{sep: "-", index: 1, value: "…"}``: one part of a separated value replaced."""
    parts = str(value).split(args.get("sep", "-"))
    parts[int(args["index"])] = str(args["value"])
    return str(args.get("sep", "-")).join(parts)


@mutator("fill")
def fill(value: Any, args: dict[str, Any]) -> str:
    """``{char: "张", length: 51}``: a string of ``length`` characters (too long for a field)."""
    return str(args.get("char", "x")) * int(args["length"])


@mutator("append")
def append(value: Any, args: dict[str, Any]) -> str:
    """``{text: " "}``: the value with text appended."""
    return str(value) + str(args["text"])


@action("sandbox.exchanges")
def sandbox_exchanges(ctx: StepContext, params: dict[str, Any]) -> Any:
    """The sandbox's exchange log (``GET /_sandbox/exchanges``), filtered by ``params``."""
    return ctx.http.get(f"{ctx.base_url}/_sandbox/exchanges", params=params).json()


@action("exchanges.record")
def exchanges_record(ctx: StepContext, params: dict[str, Any]) -> Any:
    """``{party, operation?, family?, institution?, verdict?, limit?}``: our record of the exchanges
    with ``party`` — the log of the sandbox under test: what it received when it simulates
    ``party``, what our simulators sent when ``party`` is external (``direction`` chosen so).  The
    calls our simulators made from the runner are recorded only when it may open the storage."""
    party = str(params["party"])
    direction = ctx.ours(party)
    if direction == "outbound" and ctx.storage is None:
        raise StepSkipped(f"{party} 为外部系统，而本次运行的模拟调用方没有沙箱可记录（--target 未加 --shared-storage） / "
                          f"{party} is external and this run's simulated callers had no sandbox to record in "
                          "(--target without --shared-storage)")
    if direction == "outbound" and ctx.storage is not None:
        ctx.storage().exchanges.flush()  # the runner's own records, written before they are read back
    query = {k: v for k, v in params.items() if k != "party"}
    return ctx.http.get(f"{ctx.base_url}/_sandbox/exchanges", params={**query, "direction": direction}).json()


@action("sandbox.health")
def sandbox_health(ctx: StepContext, params: dict[str, Any]) -> Any:
    return ctx.http.get(f"{ctx.base_url}/_sandbox/health").json()

