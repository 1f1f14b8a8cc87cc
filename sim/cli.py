"""The ``imgcloud`` command line: serve the sandbox, show credentials, generate data."""
from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from reference.config import Config, ConfigError, load_config

app = typer.Typer(help="imgcloud-sandbox: 医保影像云 interface sandbox", no_args_is_help=True, add_completion=False)
fake_app = typer.Typer(help="Generate deterministic fake data (zh_CN).", no_args_is_help=True)
app.add_typer(fake_app, name="fake")
console = Console(stderr=True)

ConfigOption = Annotated[Optional[Path], typer.Option("--config", "-c", help="YAML merged over the built-in default.")]


def _load(config: Path | None, **overrides: object) -> Config:
    try:
        return load_config(config, **overrides)
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[Optional[str], typer.Option(help="Listen address (default from config).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Listen port (default from config).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve every simulated party's interfaces on one HTTP listener."""
    import uvicorn

    from reference.app import CONFIG_ENV, OVERRIDES_ENV
    from reference.sandbox import Sandbox

    listen = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    overrides = {"listen": listen} if listen else {}
    cfg = _load(config, **overrides)
    Sandbox.open(cfg).close()  # migrate once, before any worker starts
    _print_banner(cfg, workers, config)
    os.environ[CONFIG_ENV] = str(config.resolve()) if config else ""
    os.environ[OVERRIDES_ENV] = json.dumps(overrides)
    uvicorn.run("reference.app:asgi_factory", factory=True, host=cfg.listen.host, port=cfg.listen.port,
                workers=workers, log_level="warning")


def _print_banner(cfg: Config, workers: int, config: Path | None) -> None:
    from sim.parties import credentials

    base = cfg.public_url
    lines = [
        f"imgcloud-sandbox listening on {base} ({workers} worker{'s' * (workers > 1)})",
        f"  storage      {cfg.storage_url}",
        f"  health       {base}/_sandbox/health",
        f"  exchanges    {base}/_sandbox/exchanges",
        f"  docs         {base}/_sandbox/docs/",
    ]
    for party, entry in credentials(cfg).items():
        for name, url in entry.get("endpoints", {}).items():
            lines.append(f"  {party} {name}: {url}")
    lines.append("  credentials  imgcloud credentials" + (f" --config {config}" if config else "")
                 + "   (institution codes and keys)")
    typer.echo("\n".join(lines))


@app.command()
def credentials(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON keyed by party.")] = False,
) -> None:
    """Each demo institution's codes and secrets, per party it may call."""
    from sim.parties import credentials as build

    cfg = _load(config)
    data = build(cfg)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    out = Console()
    table = Table(title="imgcloud-sandbox: issued credentials (infCode / key)")
    for column in ("infCode", "key", "name", "calls", "profile", "mode"):
        table.add_column(column, no_wrap=column != "name")
    for inst in cfg.institutions:
        calls = ", ".join(p for p, entry in data.items() if any(c["infCode"] == inst.code for c in entry["credentials"]))
        table.add_row(inst.code, cfg.secret_for(inst), inst.name, calls, inst.profile, cfg.mode_for(inst.code))
    out.print(table)
    for party, entry in data.items():
        out.print(f"[bold]{party}[/bold] ({entry['mode']}) {entry['base_url']}")
        for name, url in entry.get("endpoints", {}).items():
            out.print(f"    {name:<24}{url}")


@fake_app.command("index-rows")
def fake_index_rows(
    n: Annotated[int, typer.Option("-n", min=1, help="How many rows.")] = 1,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (default from config).")] = None,
    centre: Annotated[Optional[str], typer.Option(help="Storing centre's code (default: first imaging centre).")] = None,
    envelope: Annotated[bool, typer.Option(help="Wrap the rows in a complete request with credentials.")] = False,
    on: Annotated[Optional[str], typer.Option(help="Reference date yyyy-MM-dd the exams are dated before (default today).")] = None,
    config: ConfigOption = None,
) -> None:
    """Complete, valid saveExamRpotImgIndx rows as JSON, ready to post."""
    from reference.clock import Clock
    from sim.demo import demo_index_rows
    from sim.clients.nhsa_index import envelope as make_envelope

    cfg = _load(config)
    try:
        day = date.fromisoformat(on) if on else date.today()
        inst, rows = demo_index_rows(cfg, n, seed=seed, centre=centre, on=day)
    except (KeyError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    out = make_envelope(cfg, inst, "saveExamRpotImgIndx", rows, now=Clock().now()) if envelope else rows
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # `imgcloud … | head`
        sys.stderr.close()


if __name__ == "__main__":
    main()
