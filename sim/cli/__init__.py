"""The ``imgcloud`` command line: serve the sandbox, show credentials, generate data, run
scenarios, and each family's own commands (``Family.sim_cli``: ``imgcloud hospital …``,
``imgcloud sm2 …``), mounted from the family records."""
from __future__ import annotations

import importlib
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from reference import __version__
from reference.config import Config
from reference.families import all_families
from sim.actors import ACTORS
from sim.server import PARENT_ENV

from . import dicom, scenario
from .common import ConfigOption, console, load

app = typer.Typer(help="imgcloud-sandbox: 医保影像云 interface sandbox", no_args_is_help=True, add_completion=False)
fake_app = typer.Typer(help="Generate deterministic fake data (zh_CN).", no_args_is_help=True)
app.add_typer(fake_app, name="fake")
app.add_typer(scenario.app, name="scenario")
app.add_typer(dicom.app, name="dicom")
for _family in all_families():
    if _family.sim_cli:
        app.add_typer(importlib.import_module(_family.sim_cli).app, name=_family.sim_cli_name or _family.name)


def _version(show: bool) -> None:
    if show:
        typer.echo(f"imgcloud-sandbox {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """imgcloud-sandbox: 医保影像云 interface sandbox."""


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default from config).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default from config).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve every simulated party's interfaces on one HTTP listener."""
    import uvicorn

    from reference.app import CONFIG_ENV, OVERRIDES_ENV, start_dicom
    from reference.sandbox import Sandbox

    listen = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    overrides = {"listen": listen} if listen else {}
    cfg = load(config, **overrides)
    Sandbox.open(cfg).close()  # migrate once, before any worker starts
    dicom_sandbox = Sandbox.open(cfg, migrate=False)  # the SCPs serve from this (parent) process only
    dicom_sandbox.actors.update(ACTORS)
    try:
        scps = start_dicom(dicom_sandbox)
    except OSError as exc:  # a port in use: HTTP still serves, the banner says why DICOM does not
        scps = []
        console.print(f"[yellow]DICOM SCPs not started: {exc}[/yellow]")
    _print_banner(cfg, workers, config)
    for scp in scps:
        typer.echo(f"  dicom        {scp.party} SCP {scp.ae_title} at {scp.host}:{scp.port}")
    os.environ[CONFIG_ENV] = str(config.resolve()) if config else ""
    os.environ[OVERRIDES_ENV] = json.dumps(overrides)
    if workers > 1:  # its workers end with this process, even when it is killed outright
        os.environ[PARENT_ENV] = str(os.getpid())
    try:
        uvicorn.run("sim.server:asgi_factory", factory=True, host=cfg.listen.host, port=cfg.listen.port,
                    workers=workers, log_level="warning")
    finally:
        for scp in scps:
            scp.stop()
        dicom_sandbox.close()


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
    from sim.parties import sandbox_credentials

    cfg = load(config)
    data = build(cfg)
    if as_json:
        typer.echo(json.dumps({**data, "sandbox": sandbox_credentials(cfg)}, ensure_ascii=False, indent=2))
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
    control = sandbox_credentials(cfg)
    out.print(f"[bold]sandbox control API[/bold] (protect: {control['protect']}) admin token "
              f"{control['admin_token']}  (header X-Imgcloud-Admin)")
    _print_regional(out, cfg)


def _print_regional(out: Console, cfg: Config) -> None:
    """seeds/004: what the regional platform and 基卫 issued to each hospital, and the RSA public key."""
    from reference.crypto import rsa
    from reference.regional import identity

    table = Table(title="seeds/004: regional platform (getToken sign, SynApplyInfo License) and 基卫 (AES key)")
    for column in ("institution", "appId", "orgId / yyid00", "license", "Jiwei AES key"):
        table.add_column(column, no_wrap=True)
    for inst in identity.hospitals(cfg):
        issued = identity.credentials(cfg, inst)
        table.add_row(inst.code, issued["appId"], issued["orgId"], issued["license"], issued["jiweiKey"])
    out.print(table)
    out.print("regional platform RSA public key (sign = base64(RSA PKCS#1 v1.5(appId,orgId,license)); imgcloud rsa sign):")
    out.print(rsa.public_pem(cfg), markup=False, highlight=False)


@fake_app.command("index-rows")
def fake_index_rows(
    n: Annotated[int, typer.Option("-n", min=1, help="How many rows.")] = 1,
    seed: Annotated[int | None, typer.Option(help="Random seed (default from config).")] = None,
    centre: Annotated[str | None, typer.Option(help="Storing centre's code (default: first imaging centre).")] = None,
    envelope: Annotated[bool, typer.Option(help="Wrap the rows in a complete request with credentials.")] = False,
    on: Annotated[str | None, typer.Option(help="Reference date yyyy-MM-dd the exams are dated before (default today).")] = None,
    config: ConfigOption = None,
) -> None:
    """Complete, valid saveExamRpotImgIndx rows as JSON, ready to post."""
    from reference.clock import Clock
    from reference.national.request import envelope as make_envelope
    from sim.demo import demo_index_rows

    cfg = load(config)
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
