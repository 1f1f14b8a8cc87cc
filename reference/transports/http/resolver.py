"""Spec-first routing without Python names in the specs: each ``operationId`` is served by the
function of that name in the handlers module of the family whose contract defines the path
(Connexion's ``Resolver``, STYLE.md "Spec-first routing").  Operations of the sandbox's own
control contract (``openapi/sandbox.yaml``) that its handlers do not define are served by the
family whose ``control`` module does — each family implements its own control actions."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from connexion.exceptions import ResolverError
from connexion.resolver import Resolution, Resolver

from reference.families import Family


def control_action(families: Sequence[Family], operation_id: str) -> Callable[..., Any]:
    """The one family control function named ``operation_id``."""
    found = [(f.name, fn) for f in families if (fn := f.control_action(operation_id)) is not None]
    if len(found) != 1:
        owners = ", ".join(name for name, _ in found) or "no family"
        raise ResolverError(f"control operation {operation_id}: defined by {owners} (exactly one family must)")
    return found[0][1]


class FamilyResolver(Resolver):
    def __init__(self, families: Sequence[Family], owners: dict[str, Family]) -> None:
        super().__init__()
        self.families, self.owners = tuple(families), owners

    def resolve_function(self, path: str, operation_id: str) -> Callable[..., Any]:
        family = self.owners.get(path)
        if family is None:
            raise ResolverError(f"{path}: no family's contract defines it")
        try:
            return family.handler(operation_id)
        except LookupError:
            if family.fallback:
                return control_action(self.families, operation_id)
            raise ResolverError(f"{family.name}: no handler for operationId {operation_id}") from None

    def resolve(self, operation: Any) -> Resolution:
        operation_id = operation.operation_id
        return Resolution(self.resolve_function(operation.path, operation_id), operation_id)
