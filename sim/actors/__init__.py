"""The simulated parties as actors that drive flows with generated data: the hospital that
generates and uploads exams (flow A, ``hospital.py``), the hospital whose PACS/RIS the gateway collects from
(flow B, ``hospital_pacs.py``), the provincial cloud's callers (flow C, ``province_cloud.py``), the HIS,
third-party PACS and 基卫 callers of flow D (``regional.py``).

``training.prepare`` makes a trainee's own data for a lesson (``training.py``); ``docs.examples``
builds each operation's valid Swagger example (``sim/examples/``).

``ACTORS`` is what ``sim`` lends a sandbox it starts (``sim.server.create_app``): the control
operations of ``reference`` call them by name, so ``reference`` never imports ``sim``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reference.families.hospital.control import UPLOAD
from reference.families.hospital_pacs.control import EXAMINE
from reference.families.jiwei.service import FORMS_ACTOR
from reference.training.engine import PREPARE
from reference.transports.http.docs import EXAMPLES

from .hospital import upload_action
from .hospital_pacs import examine_action
from .regional import forms_action
from .training import prepare


def _examples(*args: Any) -> Any:
    from sim.examples import with_examples  # imported when the docs are first asked for

    return with_examples(*args)


ACTORS: dict[str, Callable[..., Any]] = {UPLOAD: upload_action, EXAMINE: examine_action, FORMS_ACTOR: forms_action,
                                         EXAMPLES: _examples, PREPARE: prepare}
