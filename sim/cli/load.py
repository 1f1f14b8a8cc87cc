"""``imgcloud load prepare``: the data a Locust load test of the retrieval path reads
(``sim/loaddata.py``; the users are ``loadtests/locustfile.py``, the only place that imports locust)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sim.loaddata import DEFAULT_START, LoadDataError, prepare

from .common import ConfigOption, console, load
from .remote import TargetOption

app = typer.Typer(help="Load tests of the retrieval path (Locust; see loadtests/).", no_args_is_help=True)


@app.command("prepare")
def load_prepare(
    exams: Annotated[int, typer.Option("--exams", min=1, max=200,
                                       help="Exams of each kind (centre, cloud) the load test uses.")] = 10,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the load data (JSON).")] = Path("load-data.json"),
    check: Annotated[bool, typer.Option("--check", help="Only check the target holds enough (upload nothing).")] = False,
    seed: Annotated[int | None, typer.Option(help="Seed of the generated exams (default from config).")] = None,
    start: Annotated[int, typer.Option(min=0, help="Index of the first generated exam in the seed's sequence.")] = DEFAULT_START,
    target: TargetOption = None,
    config: ConfigOption = None,
) -> None:
    """Fill a sandbox with N exams through flows A and C (or --check one), and write the load data.

    Then: IMGCLOUD_LOAD_DATA=load-data.json locust -f loadtests/locustfile.py --headless …"""
    cfg = load(config)
    base = (target or cfg.public_url).rstrip("/")
    try:
        data = prepare(cfg, base, exams=exams, fill=not check, seed=seed, start=start)
    except LoadDataError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True, markup=False)
        raise typer.Exit(1) from None
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    files = sum(len(e["files"]) for e in data["centreExams"])
    typer.echo(f"{out}: {len(data['centreExams'])} centre exams ({files} images), {len(data['cloudExams'])} cloud exams, "
               f"tokens for {', '.join(data['tokens'])} (valid 2 h)")
