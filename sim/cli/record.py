"""``imgcloud record export``: a tenant's (or a time window's) recorded traffic as a scenario file
that ``imgcloud scenario run`` replays (``sim/record.py``); mounted from the sandbox family's record."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from .common import ConfigOption, console, load
from .remote import TargetOption, call, sandbox_http

app = typer.Typer(help="Record and replay: export recorded exchanges as a scenario file.", no_args_is_help=True)


def fetch_exchanges(http: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every exchange matching ``params``, newest first, paged 1,000 at a time."""
    out: list[dict[str, Any]] = []
    before = None
    while True:
        page = call(http, "GET", "/_sandbox/exchanges", params={**params, "limit": 1000,
                                                                 **({"before": before} if before else {})})
        out += page
        if len(page) < 1000:
            return out
        before = page[-1]["id"]


def download_body(http: Any, exchange: dict[str, Any], part: str, field: str | None) -> bytes | None:
    """A body of ``exchange`` the log kept as size + sha256 (the instance a C-STORE stored; with
    ``field``, an upload's file), when the sandbox keeps it as a blob (``GET
    /_sandbox/exchanges/{uid}/{part}`` answers the bytes, else the record)."""
    response = http.get(f"/_sandbox/exchanges/{exchange['uid']}/{part}", params={"field": field} if field else None)
    if response.status_code != 200 or "json" in response.headers.get("content-type", ""):
        return None
    return bytes(response.content)


@app.command("export")
def record_export(
    config: ConfigOption = None,
    target: TargetOption = None,
    institution: Annotated[str | None, typer.Option(help="The tenant: an institution code.")] = None,
    since: Annotated[str | None, typer.Option(help="ISO time, inclusive (the sandbox's clock).")] = None,
    until: Annotated[str | None, typer.Option(help="ISO time, inclusive.")] = None,
    name: Annotated[str, typer.Option(help="The scenario's name.")] = "recorded",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (default: stdout).")] = None,
) -> None:
    from sim.record import export
    from sim.scenario.registry import load_families

    cfg = load(config)
    params = {k: v for k, v in (("institution", institution), ("since", since), ("until", until)) if v}
    with sandbox_http(cfg, target) as http:
        exchanges = fetch_exchanges(http, params)
        scenario = export(exchanges, cfg, load_families(), name=name,
                          title=f"录制回放 / recorded traffic of {institution or 'every tenant'}",
                          download=lambda exchange, part, field: download_body(http, exchange, part, field))
    text = yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False, width=120)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"{len(scenario['steps'])} steps written to {output}")
