"""The training mode (issue 14): guided lessons — one per flow and one per protocol — in Chinese
with English.  Each step explains an exchange with the seed section it comes from, shows the exact
request, and grades the trainee's own attempt from the exchange log (``engine.py``).  Lessons are
data (``lessons/*.yaml``, ``lessons.py``); pages and the JSON API are ``handlers.py``
(``openapi/sandbox.yaml``); the CLI is ``imgcloud tour`` (``sim/cli/tour.py``)."""
from __future__ import annotations
