"""The result type shared by every validator in :mod:`reference.validators`.

A validator returns ``list[Problem]``; an empty list means the value is valid.
``Problem.code`` is a short snake_case key (``"idcard_check_digit"``) that the rule
catalogue maps to a rule id, a severity and bilingual message templates;
``Problem.params`` holds the values those templates need (``expected``, ``actual``...).
Validators never build human-readable text themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, ParamSpec

__all__ = ["Problem", "problem", "codes_of", "remembered", "EMPTY_PARAMS"]

P = ParamSpec("P")
#: How many distinct arguments a ``remembered`` validator keeps answers for (then it starts afresh).
REMEMBERED = 4096

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


def remembered(check: Callable[P, list[Problem]]) -> Callable[P, list[Problem]]:
    """``check`` — a validator whose answer depends on its arguments alone (no clock, no
    configuration) — answering arguments it has judged from memory, as a new list.  For codes a
    sender repeats in every row: its own institution's USCC, its doctors' identity numbers (issue 12:
    ~20 us of each saved index row).  An argument that is not hashable is judged as it is."""
    seen: dict[Any, tuple[Problem, ...]] = {}

    @functools.wraps(check)
    def remembering(*args: P.args, **kwargs: P.kwargs) -> list[Problem]:
        key = (args, *kwargs.items()) if kwargs else args
        try:
            found = seen.get(key)
        except TypeError:
            return check(*args, **kwargs)
        if found is None:
            if len(seen) >= REMEMBERED:
                seen.clear()
            found = seen[key] = tuple(check(*args, **kwargs))
        return list(found)

    return remembering
