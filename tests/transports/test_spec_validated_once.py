"""Connexion validates a spec against the OpenAPI schema once per process (specs.validate_each_spec_once)."""
from __future__ import annotations

import copy

import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import Specification

from reference.families import all_families
from reference.transports.http import specs
from reference.transports.http.specs import joined_spec, validate_each_spec_once


def test_a_spec_is_validated_once_and_a_changed_or_invalid_one_again() -> None:
    validate_each_spec_once()
    validate_each_spec_once()  # idempotent: not wrapped twice
    spec = copy.deepcopy(joined_spec(all_families()).spec)
    Specification.from_dict(copy.deepcopy(spec))
    known = set(specs._VALIDATED)
    Specification.from_dict(copy.deepcopy(spec))
    assert specs._VALIDATED == known  # the same text: nothing new to remember

    path = next(iter(spec["paths"]))
    spec["paths"][path]["description"] = "changed"
    Specification.from_dict(copy.deepcopy(spec))
    assert len(specs._VALIDATED) == len(known) + 1  # a changed text is validated, then remembered

    del spec["info"]  # the OpenAPI schema requires info
    for _ in range(2):  # a failure is not remembered: it fails each time
        with pytest.raises(InvalidSpecification):
            Specification.from_dict(copy.deepcopy(spec))
    assert len(specs._VALIDATED) == len(known) + 1


def test_a_spec_without_a_fingerprint_is_validated_each_time() -> None:
    """Keys of mixed types (``200`` and ``"default"``: YAML's, before ``from_dict`` makes them strings)
    cannot be sorted into a fingerprint: such a spec goes to the validation each time, as without the memo."""
    seen: list[object] = []

    class Spy:
        pass

    checked = specs._once(lambda cls, spec: seen.append(spec)).__func__
    plain = {"paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    mixed = {"paths": {"/x": {"get": {"responses": {200: {"description": "ok"}, "default": {"description": "no"}}}}}}
    for _ in range(2):
        checked(Spy, plain)
        checked(Spy, mixed)
    assert seen == [plain, mixed, mixed]
