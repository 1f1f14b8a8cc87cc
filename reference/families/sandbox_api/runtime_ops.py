"""Run-time settings of ``openapi/sandbox.yaml`` (issue 13): party switches, faults, a tenant's
reset — all stored through ``reference.runtime`` (the database), so every worker agrees."""
from __future__ import annotations

import itertools
from typing import Any

from connexion.context import context
from pydantic import ValidationError

from reference.errors import NativeError
from reference.exchanges import ExchangeDraft, recording
from reference.families import all_families
from reference.rules import RULES
from reference.runtime import FaultError, parse_fault
from reference.sandbox import Sandbox


def _sandbox() -> Sandbox:
    return context["sandbox"]


def partiesList() -> dict[str, Any]:
    return _sandbox().runtime.parties()


def setParty(party: str, body: dict[str, Any]) -> dict[str, Any]:
    """Switch ``party`` and record the switch as an event of the exchange log."""
    sandbox = _sandbox()
    if party not in sandbox.runtime.configured:
        raise NativeError([RULES.finding("SANDBOX-PARTY-UNKNOWN", party=party,
                                         known=", ".join(sandbox.runtime.configured))])
    mode = body.get("mode")
    settings = None if mode == "configured" else {k: body.get(k) for k in ("mode", "base_url", "ae_title", "host", "port")}
    before = sandbox.runtime.parties()[party]
    try:
        sandbox.runtime.set_party(party, settings)
    except ValidationError as exc:
        detail = "; ".join(str(e.get("msg", "")) for e in exc.errors())
        raise NativeError([RULES.finding("SANDBOX-PARTY-INVALID", party=party, detail=detail)]) from exc
    after = sandbox.runtime.parties()[party]
    record_event(sandbox, "setParty", f"/_sandbox/parties/{party}", {"party": party, **body},
                 {"before": before, "after": after})
    return after


def record_event(sandbox: Sandbox, operation: str, url: str, request: dict[str, Any], response: dict[str, Any],
                 institution: str | None = None) -> None:
    """A change of the sandbox's settings, as an event in the exchange log (family ``sandbox``; a
    fault scoped to a tenant is that tenant's event)."""
    record = recording(sandbox, ExchangeDraft(direction="inbound", transport="http", party="sandbox",
                                              family="sandbox", operation=operation, institution=institution))
    record.finish(method="POST", url=url, status=200, request={"json": request}, response={"json": response})


def faultsList() -> list[dict[str, Any]]:
    return [f.as_dict() for f in _sandbox().runtime.faults()]


def addFault(body: dict[str, Any]) -> dict[str, Any]:
    sandbox = _sandbox()
    faults = sandbox.runtime.faults()
    taken = {f.id for f in faults}
    fault_id = next(f"f{n}" for n in itertools.count(1) if f"f{n}" not in taken)
    if body.get("party") not in sandbox.runtime.configured:
        raise NativeError([RULES.finding("SANDBOX-PARTY-UNKNOWN", party=body.get("party"),
                                         known=", ".join(sandbox.runtime.configured))])
    try:
        fault = parse_fault(body, fault_id)
    except (FaultError, TypeError, ValueError) as exc:
        raise NativeError([RULES.finding("SANDBOX-FAULT-INVALID", detail=str(exc))]) from exc
    sandbox.runtime.set_faults([*faults, fault])
    record_event(sandbox, "addFault", "/_sandbox/faults", body, fault.as_dict(), institution=fault.institution)
    return fault.as_dict()


def clearFaults(party: str | None = None) -> list[dict[str, Any]]:
    sandbox = _sandbox()
    kept = [f for f in sandbox.runtime.faults() if party is not None and f.party != party]
    sandbox.runtime.set_faults(kept)
    record_event(sandbox, "clearFaults", "/_sandbox/faults", {"party": party}, {"left": len(kept)})
    return [f.as_dict() for f in kept]


def resetTenant(code: str) -> dict[str, Any]:
    """Forget one tenant's exchanges and faults; another tenant's data is never touched."""
    sandbox = _sandbox()
    known = {i.code for i in sandbox.config.institutions}
    if code not in known and not sandbox.exchanges.query(institution=code, limit=1, bodies=False):
        raise NativeError([RULES.finding("SANDBOX-TENANT-UNKNOWN", code=code)])
    faults = sandbox.runtime.faults()
    kept = [f for f in faults if f.institution != code]
    if len(kept) != len(faults):
        sandbox.runtime.set_faults(kept)
    removed = sandbox.exchanges.delete(institution=code)
    state: dict[str, int] = {}
    for family in all_families():  # each family forgets what it holds of the tenant (its control module)
        reset = family.control_action("resetTenantState")
        if reset is not None:
            state.update(reset(sandbox, code))
    return {"tenant": code, "exchanges": removed, "faults": len(faults) - len(kept), "state": state}
