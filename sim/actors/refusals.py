"""How an actor behind a control operation refuses what it cannot do: natively (the sandbox
API's plain error, HTTP 400), never as an internal error."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from reference.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox

Actor = Callable[[Sandbox, dict[str, Any]], dict[str, Any]]


def naming_unknown_institutions(actor: Actor) -> Actor:
    """``actor`` with an institution the config does not have (``KeyError``) answered as
    CONTROL-UNKNOWN-INSTITUTION."""
    @wraps(actor)
    def named(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return actor(sandbox, body)
        except KeyError as exc:
            raise NativeError([RULES.finding("CONTROL-UNKNOWN-INSTITUTION", detail=exc.args[0])]) from None
    return named
