"""The imaging-cloud gateway in the hospital (前置机, provider ``gateway``; seeds/001, INTERFACES.md
§4, flow B).  Its contract ``openapi/gateway.yaml``: the QR film (§4.3, ``film.py``, ``qr.py``,
``film_token.py``), the viewing plug-in and the external-exam reminder (§4.4, ``plugin.py``,
``reminder.py``, ``lookup.py``), image deletion (§4.5, ``deletion.py``).  What it does on its
own (§4.1–4.2, ``collect.py``): pull reports (``reports.py``: HTTP or the view over SQL), collect
studies (``collector.py``: C-MOVE into its storage SCP ``store.py``, or WADO-URI), upload them
to the imaging centre (``upload.py``) — on demand (control ``gatewayPull``) or on a schedule
(``poller.py``)."""
from __future__ import annotations

from reference.collection import replies
from reference.families import DicomService, Family

FAMILY = Family(
    name="gateway",
    title="医保影像云前置机 imaging-cloud gateway (seeds/001 §4.3–4.5)",
    party="gateway",
    contract="gateway.yaml",
    handlers="reference.families.gateway.handlers",
    control="reference.families.gateway.control",
    error=replies.error,
    media_type=replies.MEDIA_TYPE,
    dicom=(DicomService("gateway", "reference.families.gateway.store:start_gateway_store"),),
    sim_steps="sim.scenario.flow_b",
    sim_cli="sim.cli.gateway",
    sim_cli_name="gateway",
)
