"""Request-body inspection: normalise known drift, validate against the spec, collect findings.

Used by the HTTP boundary (a Connexion body validator) and by anything else that
receives a family's JSON (simulators checking a peer's answers).  Nothing here raises
on bad input: it all ends up as findings for the handler to judge.
"""
from __future__ import annotations

from .inspect import BodyReport, inspect_body, json_path, rows_nodes_of

__all__ = ["BodyReport", "inspect_body", "json_path", "rows_nodes_of"]
