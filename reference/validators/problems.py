"""The result type shared by every validator in :mod:`reference.validators`.

A validator returns ``list[Problem]``; an empty list means the value is valid.
``Problem.code`` is a short snake_case key (``"idcard_check_digit"``) that the rule
catalogue maps to a rule id, a severity and bilingual message templates;
``Problem.params`` holds the values those templates need (``expected``, ``actual``...).
Validators never build human-readable text themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

__all__ = ["Problem", "problem", "codes_of", "EMPTY_PARAMS"]

EMPTY_PARAMS: Mapping[str, object] = MappingProxyType({})


class Problem(NamedTuple):
    """One broken rule: a catalogue key plus the values its message needs."""

    code: str
    params: Mapping[str, object] = EMPTY_PARAMS


def problem(code: str, **params: object) -> Problem:
    """Build a :class:`Problem` with read-only ``params``."""
    return Problem(code, MappingProxyType(dict(params)) if params else EMPTY_PARAMS)


def codes_of(problems: Iterable[Problem]) -> list[str]:
    """The codes of ``problems`` in order (handy in tests and logs)."""
    return [p.code for p in problems]
