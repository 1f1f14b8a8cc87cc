"""Property-based tests from our own contracts (issue 9, "keep it proven"): schemathesis
generates requests from each family's OpenAPI spec and sends them to the app in-process; every
reply must be no server error, conform to the response schema the spec declares for its status,
and carry a content type the spec declares.  ``pytest -m heavy``; a bounded number of examples
per operation."""
from __future__ import annotations

import os
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from reference.config import load_config
from reference.families import all_families
from sim.server import create_app

pytestmark = pytest.mark.heavy
#: What a reply must be.  Not ``negative_data_rejection``: the seeds' families answer a refused
#: request with HTTP 200 and their own error code (documented in each spec), by design.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]

APP = create_app(load_config(None, home=tempfile.mkdtemp(prefix="imgcloud-schemathesis-")))
FAMILIES = [f.name for f in all_families() if f.contract]
SCHEMAS = {name: schemathesis.openapi.from_asgi(f"/_sandbox/docs/{name}/openapi.json", APP) for name in FAMILIES}


def _test(name: str):  # type: ignore[no-untyped-def]
    @SCHEMAS[name].parametrize()
    @settings(max_examples=int(os.environ.get("IMGCLOUD_FUZZ_EXAMPLES", "15")), deadline=None, suppress_health_check=list(HealthCheck))
    def test(case):  # type: ignore[no-untyped-def]
        case.call_and_validate(checks=CHECKS)
    return test


for _name in FAMILIES:  # one test per family contract, new families included as they come
    globals()[f"test_{_name.replace('-', '_')}"] = _test(_name)
