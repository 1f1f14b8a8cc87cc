"""Spec-first routing without Python names in the specs: each ``operationId`` is served by the
function of that name in the handlers module of the family whose contract defines the path
(Connexion's ``Resolver``, STYLE.md "Spec-first routing").  Operations of the sandbox's own
control contract (``openapi/sandbox.yaml``) that its handlers do not define are served by the
family whose ``control`` module does — each family implements its own control actions; every
operation of that contract refuses a body its schema refuses."""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from connexion.context import context
from connexion.exceptions import ResolverError
from connexion.resolver import Resolution, Resolver

from reference.errors import NativeError
from reference.families import Family

from .validation import REPORT_KEY


def control_action(families: Sequence[Family], operation_id: str) -> Callable[..., Any]:
    """The one family control function named ``operation_id``, refusing a body its schema
    refuses (a control operation has no lenient mode: it acts only on a valid request)."""
    found = [(f.name, fn) for f in families if (fn := f.control_action(operation_id)) is not None]
    if len(found) != 1:
        owners = ", ".join(name for name, _ in found) or "no family"
        raise ResolverError(f"control operation {operation_id}: defined by {owners} (exactly one family must)")
    return _valid_bodies_only(found[0][1])


def _valid_bodies_only(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        report = context.get(REPORT_KEY)
        if report is not None and any(f.is_error for f in report.findings):
            raise NativeError(report.findings)
        return function(*args, **kwargs)
    return checked


class FamilyResolver(Resolver):
    def __init__(self, families: Sequence[Family], owners: dict[str, Family]) -> None:
        super().__init__()
        self.families, self.owners = tuple(families), owners

    def resolve_function(self, path: str, operation_id: str) -> Callable[..., Any]:
        family = self.owners.get(path)
        if family is None:
            raise ResolverError(f"{path}: no family's contract defines it")
        try:
            handler = family.handler(operation_id)
            # the sandbox's own operations act only on a valid request, wherever they are defined
            return _valid_bodies_only(handler) if family.fallback else handler
        except LookupError:
            if family.fallback:
                return control_action(self.families, operation_id)
            raise ResolverError(f"{family.name}: no handler for operationId {operation_id}") from None

    def resolve(self, operation: Any) -> Resolution:
        operation_id = operation.operation_id
        return Resolution(self.resolve_function(operation.path, operation_id), operation_id)
