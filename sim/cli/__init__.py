"""The ``imgcloud`` command line: serve the sandbox, show credentials, generate data, run
scenarios, and each family's own commands (``Family.sim_cli``: ``imgcloud hospital …``,
``imgcloud sm2 …``), mounted from the family records; a sub-command's module is imported when it
runs (``mounts.py``), so a helper does not wait for every family to load."""
from __future__ import annotations

import json
import os
import pkgutil
import sys
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from reference import __version__
from reference.config import Config

# ``load`` under another name: importing the sub-command module ``sim.cli.load`` (``imgcloud load``,
# mounted on demand) sets this package's attribute ``load`` to that module
from .common import ConfigOption, console
from .common import load as load_config_or_exit
from .mounts import lazy_commands

if TYPE_CHECKING:
    from typer import _click

    from reference.sandbox import Sandbox


class LazyGroup(TyperGroup):
    """The ``imgcloud`` group: the sub-commands of ``mounts.lazy_commands()`` are imported when one
    runs, or when ``--help`` lists them (``sim/cli/mounts.py`` says why)."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in lazy_commands() if name not in self.commands)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        target = lazy_commands().get(cmd_name)
        if cmd_name not in self.commands and target is not None:
            self.commands[cmd_name] = _mounted(cmd_name, target)
        return super().get_command(ctx, cmd_name)


def _mounted(name: str, target: str) -> _click.Command:
    """``module:attribute`` as the command ``name``: a ``typer.Typer``'s group, or a function's command."""
    found = pkgutil.resolve_name(target)
    if isinstance(found, typer.Typer):
        group = typer.main.get_group(found)
        group.name = name
        return group
    single = typer.Typer(add_completion=False)
    single.command(name)(found)
    return typer.main.get_command(single)


app = typer.Typer(cls=LazyGroup, help="imgcloud-sandbox: 医保影像云 interface sandbox", no_args_is_help=True,
                  add_completion=False)
fake_app = typer.Typer(help="Generate deterministic fake data (zh_CN).", no_args_is_help=True)
app.add_typer(fake_app, name="fake")


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
    port: Annotated[int | None, typer.Option(min=0, max=65535, help="Listen port (default from config).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
    empty: Annotated[bool, typer.Option("--empty", help="A fresh data home starts bare: no demo world.")] = False,
) -> None:
    """Serve every simulated party's interfaces on one HTTP listener (and the DICOM SCPs).

    A fresh data home is seeded with a demo world in the background (exams of each modality
    through flows A and C, their studies in the hospital PACS), unless --empty."""
    from reference.app import CONFIG_ENV, OVERRIDES_ENV
    from sim import demo_world
    from sim.actors import ACTORS
    from sim.server import PARENT_ENV, settle_garbage

    from .serving import Http, StartError, bind_http, open_storage, start_scps

    listen = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    overrides = {"listen": listen} if listen else {}
    cfg = load_config_or_exit(config, **overrides)
    scps: list = []
    sandbox, sock = None, None
    try:
        sandbox, fresh = open_storage(cfg)  # migrated once, before any worker starts
        sandbox.actors.update(ACTORS)  # the SCPs and the demo world run in this (parent) process
        sock = bind_http(cfg.listen.host, cfg.listen.port)
        scps = start_scps(sandbox)
    except StartError as exc:
        if sock is not None:
            sock.close()
        if sandbox is not None:
            sandbox.close()
        console.print(f"[red]{exc}[/red]", soft_wrap=True, highlight=False)
        raise typer.Exit(exc.code) from None
    demo = demo_world.start_state(sandbox, fresh=fresh, empty=empty)
    _print_banner(cfg, workers, config, scps, sandbox, demo)
    os.environ[CONFIG_ENV] = str(config.resolve()) if config else ""
    os.environ[OVERRIDES_ENV] = json.dumps(overrides)
    if workers > 1:  # its workers end with this process, even when it is killed outright
        os.environ[PARENT_ENV] = str(os.getpid())
    stop = threading.Event()
    seeding = None
    if demo.get("status") in demo_world.RESUMABLE:
        seeding = threading.Thread(target=demo_world.seed, args=(sandbox, demo), name="imgcloud-demo-world",
                                   kwargs={"stop": stop, "say": typer.echo}, daemon=True)
        seeding.start()
    if workers > 1:  # this process's DICOM SCPs; one worker is served here, its factory settles all
        settle_garbage()
    try:
        Http(sock, workers).run()
    finally:
        stop.set()
        if seeding is not None:
            seeding.join(timeout=10)
        for scp in scps:
            scp.stop()
        sandbox.close()


def _print_banner(cfg: Config, workers: int, config: Path | None, scps: list, sandbox: Sandbox,
                  demo: dict) -> None:
    """Printed once every listener is bound: where things are, what is there, what to open first."""
    from reference.storage.problems import shown
    from sim.parties import credentials

    base = cfg.public_url
    lines = [f"imgcloud-sandbox listening on {base} ({workers} worker{'s' * (workers > 1)})",
             f"  storage      {shown(cfg.storage_url)}"]
    lines += [f"  dicom        {scp.party} SCP {scp.ae_title} at {scp.host}:{scp.port}" for scp in scps]
    lines += _demo_lines(sandbox, demo)
    lines += [
        f"  home         {base}/_sandbox/   (what the sandbox holds, with links to every page)",
        f"  training     {base}/_sandbox/tour/   (guided lessons; imgcloud tour)",
        f"  docs         {base}/_sandbox/docs/   (Swagger UI; every example is a valid request)",
        f"  exchanges    {base}/_sandbox/exchanges",
        f"  health       {base}/_sandbox/health",
    ]
    for party, entry in credentials(cfg).items():
        for name, url in entry.get("endpoints", {}).items():
            lines.append(f"  {party} {name}: {url}")
    lines.append("  credentials  imgcloud credentials" + (f" --config {config}" if config else "")
                 + "   (institution codes and keys)")
    typer.echo("\n".join(lines))


def _demo_lines(sandbox: Sandbox, demo: dict) -> list[str]:
    from sim import demo_world

    status = demo.get("status")
    if status in demo_world.RESUMABLE:
        plan = demo_world.DemoPlan.of(demo["plan"])
        pages = demo_world.first_pages(sandbox, plan)
        what = "resuming" if status != "planned" else "seeding"
        out = [f"  demo world   {what} in the background: {plan.summary()}; GET /_sandbox/health says when ready"]
        labels = {"report": "a report page (it links its images)", "images": "its images", "film": "a cloud film (flow C)"}
        out += [f"  open first   {pages[k]}   {label}" for k, label in labels.items() if k in pages]
        return out
    if status == "empty":
        return ["  demo world   none (--empty): imgcloud hospital upload -n 3 uploads exams through flow A"]
    if status == "skipped":
        return [f"  demo world   not seeded: {demo.get('reason')}"]
    what = "seeded at the first start" if status == "ready" else "none (this data home is older than it)"
    return [f"  demo world   {what}: imgcloud exams lists what the sandbox holds"]


@app.command()
def credentials(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON keyed by party.")] = False,
) -> None:
    """Each demo institution's codes and secrets, per party it may call (never cut: copy them)."""
    from sim.parties import credentials as build
    from sim.parties import sandbox_credentials

    from .output import Column, listing
    from .output import console as stdout

    cfg = load_config_or_exit(config)
    data = build(cfg)
    control = sandbox_credentials(cfg)
    if as_json:
        typer.echo(json.dumps({**data, "sandbox": control}, ensure_ascii=False, indent=2))
        return
    rows = [{"infCode": inst.code, "key": cfg.secret_for(inst), "name": inst.name, "kind": inst.kind,
             "calls": ", ".join(p for p, e in data.items() if any(c["infCode"] == inst.code for c in e["credentials"])),
             "profile": inst.profile, "mode": cfg.mode_for(inst.code)} for inst in cfg.institutions]
    listing(rows, [Column("infCode"), Column("key"), Column("name", ident=False), Column("kind"),
                   Column("calls", ident=False), Column("profile"), Column("mode")],
            title="imgcloud-sandbox: issued credentials (infCode / key)")
    out = stdout()
    for party, entry in data.items():
        out.print(f"[bold]{party}[/bold] ({entry['mode']}) {entry['base_url']}", soft_wrap=True)
        for name, url in entry.get("endpoints", {}).items():
            out.print(f"    {name:<24}{url}", soft_wrap=True, markup=False)
        scp = entry.get("dicom") or {}
        if scp.get("port"):
            out.print(f"    {'DICOM SCP':<24}{scp['ae_title']} at {scp['host']}:{scp['port']} "
                      f"(calling AE titles: {', '.join(scp['allowed_callers']) or 'any'})", soft_wrap=True, markup=False)
    out.print(f"[bold]sandbox control API[/bold] (protect: {control['protect']}) admin token "
              f"{control['admin_token']}  (header X-Imgcloud-Admin)", soft_wrap=True)
    _print_regional(out, cfg)


def _print_regional(out: Any, cfg: Config) -> None:
    """seeds/004: what the regional platform and 基卫 issued to each hospital, and the RSA public key."""
    from reference.crypto import rsa
    from reference.regional import identity

    from .output import Column, listing

    rows = [{"institution": inst.code, **identity.credentials(cfg, inst)} for inst in identity.hospitals(cfg)]
    listing(rows, [Column("institution"), Column("appId"), Column("orgId", "orgId / yyid00"), Column("license"),
                   Column("jiweiKey", "Jiwei AES key")],
            title="seeds/004: regional platform (getToken sign, SynApplyInfo License) and 基卫 (AES key)")
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

    cfg = load_config_or_exit(config)
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
