"""Delay distributions of an injected fault (issue 13; ``openapi/sandbox.yaml`` FaultInput):
how long a ``delay`` holds a reply back and how long a ``slow`` body pauses between pieces.

- ``fixed``: ``delay_ms``;
- ``uniform``: within ``delay_ms ± jitter_ms`` (the default when ``jitter_ms`` is set);
- ``normal``: mean ``delay_ms``, standard deviation ``jitter_ms``;
- ``lognormal``: median ``delay_ms``, shape ``sigma`` (WireMock's ``lognormal``: a long right tail);
- ``exponential``: mean ``delay_ms`` (memoryless waits, e.g. a queue in front of the server).

Every value is drawn from a generator the caller seeds (``reference.runtime``: fault seed, fault
id, draw number), then clamped to ``0 … max_ms`` (at most ``MAX_MS``), so no draw is negative
and none hangs a client longer than a minute.
"""
from __future__ import annotations

import math
import random
from typing import Protocol

DISTRIBUTIONS = ("fixed", "uniform", "normal", "lognormal", "exponential")
MAX_MS = 60_000.0
MAX_SIGMA = 4.0


class Delayed(Protocol):
    """What a delay is drawn from (a ``reference.runtime.Fault``)."""

    delay_ms: float
    jitter_ms: float
    distribution: str | None
    sigma: float | None
    max_ms: float | None


def distribution_of(fault: Delayed) -> str:
    """The distribution named, or the one the older fields imply (``jitter_ms``: uniform)."""
    return fault.distribution or ("uniform" if fault.jitter_ms else "fixed")


def is_random(fault: Delayed) -> bool:
    """Whether a draw is needed (a fixed delay, or a spread of 0, is the same every time)."""
    kind = distribution_of(fault)
    if kind in ("uniform", "normal"):
        return bool(fault.jitter_ms)
    if kind == "lognormal":
        return bool(fault.sigma)
    return kind == "exponential" and fault.delay_ms > 0


def check(fault: Delayed) -> None:
    """``ValueError`` naming the field when the parameters do not describe a distribution."""
    kind = fault.distribution
    if kind is not None and kind not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}")
    for name in ("delay_ms", "jitter_ms", "max_ms"):
        value = getattr(fault, name)
        if value is not None and not (isinstance(value, (int, float)) and 0 <= value <= MAX_MS):
            raise ValueError(f"{name} must be a number between 0 and {MAX_MS:g}")
    if kind == "normal" and not fault.jitter_ms:
        raise ValueError("distribution normal needs jitter_ms (its standard deviation) above 0")
    if kind == "lognormal":
        if fault.sigma is None or not 0 < fault.sigma <= MAX_SIGMA:
            raise ValueError(f"distribution lognormal needs sigma (its shape) above 0 and at most {MAX_SIGMA:g}")
        if not fault.delay_ms:
            raise ValueError("distribution lognormal needs delay_ms (its median) above 0")
    elif fault.sigma is not None:
        raise ValueError("sigma is the shape of distribution lognormal only")
    if kind in ("fixed", "exponential") and fault.jitter_ms:
        raise ValueError(f"jitter_ms has no meaning for distribution {kind}")


def sample_ms(fault: Delayed, rng: random.Random) -> float:
    """One delay in milliseconds from ``rng``, clamped to ``0 … max_ms``."""
    kind, mean = distribution_of(fault), float(fault.delay_ms)
    if not is_random(fault):
        value = mean
    elif kind == "uniform":
        value = rng.uniform(mean - fault.jitter_ms, mean + fault.jitter_ms)
    elif kind == "normal":
        value = rng.gauss(mean, fault.jitter_ms)
    elif kind == "lognormal":
        value = rng.lognormvariate(math.log(mean), float(fault.sigma or 0))
    else:  # exponential
        value = rng.expovariate(1 / mean)
    upper = min(float(fault.max_ms), MAX_MS) if fault.max_ms is not None else MAX_MS
    return min(max(value, 0.0), upper)
