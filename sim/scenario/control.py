"""Scenario names for the sandbox's run-time settings (issue 13), registered through the sandbox
family's record (``Family.sim_steps``):

    - action: sandbox.fault           # inject a fault (openapi/sandbox.yaml FaultInput)
      with: {party: hospital, operation: C-FIND, kind: status, status: 0xA700}
    - action: sandbox.clear_faults    # with: {party: hospital} for one party only
    - action: sandbox.party           # with: {party: province_cloud, mode: external, base_url: …}
    - action: sandbox.parties         # each party as it is now
"""
from __future__ import annotations

from typing import Any

from .registry import StepContext, action


def _answer(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"status": response.status_code, "text": response.text[:500]}


@action("sandbox.fault")
def sandbox_fault(ctx: StepContext, params: dict[str, Any]) -> Any:
    """Inject one fault; the result is the fault as stored (its ``id``) or the refusal."""
    return _answer(ctx.http.post(f"{ctx.base_url}/_sandbox/faults", json=params))


@action("sandbox.clear_faults")
def sandbox_clear_faults(ctx: StepContext, params: dict[str, Any]) -> Any:
    return _answer(ctx.http.delete(f"{ctx.base_url}/_sandbox/faults", params={k: v for k, v in params.items() if v}))


@action("sandbox.party")
def sandbox_party(ctx: StepContext, params: dict[str, Any]) -> Any:
    """Switch a party (``mode``: simulated, external or configured) for the rest of the run."""
    party = params.get("party")
    body = {k: v for k, v in params.items() if k != "party"}
    return _answer(ctx.http.post(f"{ctx.base_url}/_sandbox/parties/{party}", json=body))


@action("sandbox.parties")
def sandbox_parties(ctx: StepContext, params: dict[str, Any]) -> Any:
    return _answer(ctx.http.get(f"{ctx.base_url}/_sandbox/parties"))
