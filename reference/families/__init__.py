"""The interface families this sandbox serves, each one spec, one provider party and its
own native envelope (INTERFACES.md, Families and operations)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reference.rules import Finding

#: ``(findings) -> (http status, body)``: the family's own error reply.
ErrorEnvelope = Callable[[Sequence[Finding]], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class Family:
    name: str            # the spec's file stem under openapi/
    title: str
    party: str           # the provider party (INTERFACES.md, Parties)
    prefixes: tuple[str, ...]  # URL prefixes answered in this family's envelope
    error: ErrorEnvelope

    @property
    def spec(self) -> str:
        return f"{self.name}.yaml"


def _families() -> tuple[Family, ...]:
    from .hospital import FAMILY as HOSPITAL
    from .imaging_centre import FAMILY as IMAGING_CENTRE
    from .nhsa_index import FAMILY as NHSA_INDEX
    from .province_cloud import FAMILY as PROVINCE_CLOUD
    from .sandbox_api import FAMILY as SANDBOX

    return (NHSA_INDEX, IMAGING_CENTRE, HOSPITAL, PROVINCE_CLOUD, SANDBOX)


def all_families() -> tuple[Family, ...]:
    return _families()


def family_for_path(path: str, families: Sequence[Family]) -> Family | None:
    """The family answering ``path`` (longest matching prefix)."""
    best: Family | None = None
    best_len = -1
    for family in families:
        for prefix in family.prefixes:
            if path.startswith(prefix) and len(prefix) > best_len:
                best, best_len = family, len(prefix)
    return best
