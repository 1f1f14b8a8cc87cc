"""The interface families, each declared in one place: its package's ``FAMILY`` record.

A family is "a package plus data": its contract under ``openapi/`` (the spec users read; no
Python names inside), its handlers (one function per ``operationId``), its native replies,
the sandbox-control operations it implements, its DICOM services, the institution kinds
that call it, and the names of the ``sim`` modules that drive it (scenario steps, CLI).
Families are discovered by listing this package: adding one edits no shared list
(``docs/adding-a-family.md``).
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from reference.config import Config
from reference.resources import contract
from reference.rules import Finding

if TYPE_CHECKING:
    from reference.sandbox import Sandbox
    from reference.transports.dicom.scp import RunningScp

#: ``(findings, config) -> (HTTP status, body)``: the family's own error reply.
ErrorReply = Callable[[Sequence[Finding], Config], "tuple[int, dict[str, Any]]"]
#: ``(operation, findings, config) -> reply document``: a SOAP operation's own failure reply (its
#: ``<response>``, not a Fault; reference/transports/soap).
SoapErrorReply = Callable[[str, Sequence[Finding], Config], str]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class DicomService:
    """One SCP a family runs for ``party`` (started when the party is simulated and has an AE
    title and port; ``imgcloud serve`` starts them in its parent process)."""

    party: str
    #: the function starting it, or where it is (``"module:function"``: imported when it starts, so
    #: reading the records — ``imgcloud credentials`` — does not import pynetdicom)
    start: Callable[[Sandbox], RunningScp] | str

    def starter(self) -> Callable[[Sandbox], RunningScp]:
        if not isinstance(self.start, str):
            return self.start
        return cast("Callable[[Sandbox], RunningScp]", pkgutil.resolve_name(self.start))


@dataclass(frozen=True)
class Family:
    name: str                    # the contract's stem under openapi/, and the exchange log's family
    title: str
    party: str                   # the provider party (INTERFACES.md, Parties)
    error: ErrorReply            # the native error reply of its JSON operations
    media_type: str = "application/json"  # of its JSON replies
    contract: str | None = None  # file under openapi/ (None: no HTTP interface yet)
    #: one function per operationId of the contract: the module, or its name (imported when a handler
    #: is first asked for, so a command reading the records imports no handler: ``imgcloud credentials``)
    handlers: ModuleType | str | None = None
    control: ModuleType | str | None = None   # functions named after operationIds of openapi/sandbox.yaml (idem)
    dicom: tuple[DicomService, ...] = ()
    callers: tuple[str, ...] = ()       # institution kinds that call the party (credentials)
    links: dict[str, str] = field(default_factory=dict)  # named endpoints beyond the contract
    #: ``sim`` modules driving the family, loaded by ``sim`` by name (reference never imports sim):
    sim_steps: str | None = None        # registers the family's scenario names
    sim_cli: str | None = None          # has ``app`` (typer), mounted as ``imgcloud <sim_cli_name>``
    sim_cli_name: str | None = None
    fallback: bool = False              # answers what no family claims (the sandbox's own paths)
    #: SOAP 1.1 (reference/transports/soap): its WSDL under openapi/ (``soap/<name>.wsdl``); the
    #: service's address path is served, each operation by the function of that name in ``handlers``
    wsdl: str | None = None
    soap_error: SoapErrorReply | None = None

    def __repr__(self) -> str:
        return f"Family({self.name!r}, party={self.party!r})"

    def spec(self) -> dict[str, Any]:
        """The contract, every ``$ref`` resolved."""
        from reference.transports.http.specs import resolved_spec

        if self.contract is None:
            return {"paths": {}}
        return resolved_spec(contract(self.contract))

    def operations(self) -> dict[str, tuple[str, str]]:
        """``operationId -> (method, path)`` of the contract."""
        out: dict[str, tuple[str, str]] = {}
        for path, item in self.spec().get("paths", {}).items():
            for method in METHODS:
                if isinstance(item.get(method), dict) and item[method].get("operationId"):
                    out[item[method]["operationId"]] = (method.upper(), path)
        return out

    def pages(self) -> frozenset[str]:
        """operationIds of the pages a browser opens (their errors are HTML: the contract
        declares ``text/html`` for their error responses)."""
        from reference.transports.http.specs import page_operations

        return page_operations(self.spec())

    def prefixes(self) -> tuple[str, ...]:
        """Where the family's paths start: each path up to its first template parameter."""
        return tuple(sorted({path.split("{", 1)[0] for _, path in self.operations().values()}))

    def handler(self, operation_id: str) -> Callable[..., Any]:
        """The function serving ``operation_id`` of the family's contract."""
        module = _module(self.handlers)
        function = getattr(module, operation_id, None) if module else None
        if not callable(function):
            raise LookupError(f"family {self.name}: no handler {operation_id} in "
                              f"{module.__name__ if module else '(no handlers module)'}")
        return function

    def control_action(self, operation_id: str) -> Callable[..., Any] | None:
        module = _module(self.control)
        function = getattr(module, operation_id, None) if module else None
        return function if callable(function) else None


def _module(ref: ModuleType | str | None) -> ModuleType | None:
    return importlib.import_module(ref) if isinstance(ref, str) else ref


@cache
def all_families() -> tuple[Family, ...]:
    """Every family package's ``FAMILY``, by name; the fallback family last."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            module = importlib.import_module(f"{__name__}.{info.name}")
            family = getattr(module, "FAMILY", None)
            if isinstance(family, Family):
                found.append(family)
    return tuple(sorted(found, key=lambda f: (f.fallback, f.name)))


def by_name(name: str) -> Family:
    for family in all_families():
        if family.name == name:
            return family
    raise KeyError(f"no family {name!r}; families are {', '.join(f.name for f in all_families())}")


def for_party(party: str) -> list[Family]:
    """The families a party provides."""
    return [f for f in all_families() if f.party == party]


class FamilyRouter:
    """Which family answers a path: the one whose path prefix matches longest (a path under a
    family's own directory, ``/interface/…``, is that family's even when no operation matches,
    so a misspelt operation is answered in the family's envelope); else the fallback."""

    def __init__(self, families: Iterable[Family]) -> None:
        self.families = tuple(families)
        self.fallback = next(f for f in self.families if f.fallback)
        claims: dict[str, set[str]] = {}
        for family in self.families:
            for prefix in family.prefixes():
                claims.setdefault(prefix, set()).add(family.name)
                directory = prefix.rsplit("/", 1)[0] + "/"
                if directory != "/":
                    claims.setdefault(directory, set()).add(family.name)
        by_name_ = {f.name: f for f in self.families}
        claims.pop("/", None)  # a path that starts with a parameter (/{project}/v1/…) claims by pattern below
        #: prefixes only one family claims, longest first
        self._prefixes = sorted(((p, by_name_[next(iter(names))]) for p, names in claims.items() if len(names) == 1),
                                key=lambda item: -len(item[0]))
        #: paths starting with a parameter: their directory, the parameters matching one segment
        self._memo: dict[str, Family] = {}
        self._patterns = [(re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path.rsplit("/", 1)[0] + "/"))), family)
                          for family in self.families for _, path in family.operations().values()
                          if path.startswith("/{")]

    #: Paths remembered (the answer depends on the path alone; a hot path asks twice a request)
    MEMO = 4096

    def __call__(self, path: str) -> Family:
        found = self._memo.get(path)
        if found is None:
            if len(self._memo) >= self.MEMO:
                self._memo.clear()
            found = self._memo[path] = self._route(path)
        return found

    def _route(self, path: str) -> Family:
        for prefix, family in self._prefixes:
            if path.startswith(prefix):
                return family
        for pattern, family in self._patterns:
            if pattern.match(path):
                return family
        return self.fallback
