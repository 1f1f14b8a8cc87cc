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
hospital_app = typer.Typer(help="Drive the simulated hospital (flow A).", no_args_is_help=True)
app.add_typer(hospital_app, name="hospital")
sm2_app = typer.Typer(help="SM2 (GM/T 0003) helpers for the provincial cloud's idCardNo.", no_args_is_help=True)
app.add_typer(sm2_app, name="sm2")
from sim.dicom_cli import dicom_app  # noqa: E402

app.add_typer(dicom_app, name="dicom")
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
    from reference.dicom.services import start_all

    dicom_sandbox = Sandbox.open(cfg, migrate=False)  # the SCPs serve from this (parent) process only
    try:
        scps = start_all(dicom_sandbox)
    except OSError as exc:  # a port in use: HTTP still serves, the banner says why DICOM does not
        scps = []
        console.print(f"[yellow]DICOM SCPs not started: {exc}[/yellow]")
    _print_banner(cfg, workers, config)
    for scp in scps:
        typer.echo(f"  dicom        {scp.party} SCP {scp.ae_title} at {scp.host}:{scp.port}")
    os.environ[CONFIG_ENV] = str(config.resolve()) if config else ""
    os.environ[OVERRIDES_ENV] = json.dumps(overrides)
    try:
        uvicorn.run("reference.app:asgi_factory", factory=True, host=cfg.listen.host, port=cfg.listen.port,
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


scenario_app = typer.Typer(help="Run scenario files (scenarios/*.yaml) against the sandbox.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")


def _scenario_dir() -> Path:
    from sim.scenario.model import SCENARIO_DIR

    return Path("scenarios") if Path("scenarios").is_dir() else SCENARIO_DIR


def _scenario_files(names: list[str]) -> list[Path]:
    """Files as given, or names of files in the scenarios directory."""
    return [Path(n) if Path(n).exists() or n.endswith((".yaml", ".yml")) else _scenario_dir() / f"{n}.yaml"
            for n in names]


@scenario_app.command("run")
def scenario_run(
    files: Annotated[list[str], typer.Argument(help="Scenario files, or names of files in scenarios/.")],
    config: ConfigOption = None,
    target: Annotated[Optional[str], typer.Option(help="Base URL of a running sandbox (default: start one here).")] = None,
    home: Annotated[Optional[Path], typer.Option(help="Data home of the sandbox started here (default: a fresh temporary directory).")] = None,
    shared_storage: Annotated[bool, typer.Option("--shared-storage", help="With --target: the target uses the storage of --config, so stored-state checks may read it.")] = False,
    junit: Annotated[Optional[Path], typer.Option("--junit", help="Write JUnit XML results here.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write JSON results here.")] = None,
    var: Annotated[Optional[list[str]], typer.Option("--var", help="NAME=VALUE (a YAML value) over the files' vars; repeatable.")] = None,
) -> None:
    """Run scenarios; exit 1 if any step fails or errs, 2 if a file is invalid."""
    import tempfile

    import yaml

    from sim.scenario import ScenarioError, Targets, load_scenario, roll_up, run_scenario
    from sim.scenario.registry import load_families
    from sim.scenario.report import ConsoleReporter, write_json, write_junit
    from sim.scenario.server import SandboxStartError, running_sandbox

    registry = load_families()
    try:
        scenarios = [load_scenario(f, registry) for f in _scenario_files(files)]
    except ScenarioError as exc:
        console.print(str(exc), style="red", soft_wrap=True, markup=False)
        raise typer.Exit(2) from None
    overrides = {}
    for item in var or []:
        name, sep, value = item.partition("=")
        if not sep:
            console.print(f"[red]--var {item!r}: expected NAME=VALUE[/red]")
            raise typer.Exit(2)
        overrides[name] = yaml.safe_load(value)
    out = ConsoleReporter(Console(highlight=False))

    def run_all(cfg: Config, url: str, storage: bool) -> list:
        results = []
        for scenario in scenarios:
            out.scenario_started(scenario.name, scenario.title, scenario.source)
            results.append(result := run_scenario(scenario, Targets(cfg, url, storage=storage), vars=overrides,
                                                  registry=registry, on_step=out.step))
            out.scenario_done(result)
        return results

    if target:
        results = run_all(_load(config, listen={"public_url": target}), target, shared_storage)
    else:
        with tempfile.TemporaryDirectory(prefix="imgcloud-scenario-") as tmp:
            cfg = _load(config, home=str(home or tmp))
            try:
                with running_sandbox(cfg) as url:
                    results = run_all(cfg, url, True)
            except SandboxStartError as exc:
                console.print(str(exc), style="red", soft_wrap=True, markup=False)
                raise typer.Exit(2) from None
    out.summary(results)
    if junit:
        write_junit(results, junit)
    if json_out:
        write_json(results, json_out)
    raise typer.Exit(0 if roll_up(r.result for r in results) in ("pass", "skip") else 1)


@scenario_app.command("list")
def scenario_list(
    directory: Annotated[Optional[Path], typer.Option("--dir", help="Directory of scenario files (default: scenarios/).")] = None,
) -> None:
    """Name, number of steps and title of each scenario file."""
    from sim.scenario import ScenarioError, load_scenario

    for path in sorted((directory or _scenario_dir()).glob("*.y*ml")):
        try:
            scenario = load_scenario(path)
            typer.echo(f"{scenario.name:<32} {len(scenario.steps):>3} steps  {scenario.title}")
        except ScenarioError:
            typer.echo(f"{path.stem:<32} invalid (imgcloud scenario check {path})")


@scenario_app.command("check")
def scenario_check(
    files: Annotated[list[str], typer.Argument(help="Scenario files, or names of files in scenarios/.")],
) -> None:
    """Check files against the scenario schema and registered names, without running them."""
    from sim.scenario import ScenarioError, load_scenario
    from sim.scenario.registry import load_families

    registry, bad = load_families(), 0
    for path in _scenario_files(files):
        try:
            scenario = load_scenario(path, registry)
            typer.echo(f"ok       {path} ({scenario.name}, {len(scenario.steps)} steps)")
        except ScenarioError as exc:
            bad += 1
            typer.echo(f"invalid  {path}")
            for problem in exc.problems:
                typer.echo(f"  {problem}")
    raise typer.Exit(1 if bad else 0)


@hospital_app.command("upload")
def hospital_upload(
    n: Annotated[int, typer.Option("-n", min=1, help="How many exams.")] = 1,
    hospital: Annotated[str, typer.Option(help="The uploading hospital's code.")] = "H51080200011",
    seed: Annotated[Optional[int], typer.Option(help="Seed of the exam sequence (default from config).")] = None,
    start: Annotated[int, typer.Option(min=0, help="Index of the first exam in the seed's sequence.")] = 0,
    dicom_form: Annotated[str, typer.Option(help="How imgInfoDcm references the images: zip, file or wado.")] = "zip",
    target: Annotated[Optional[str], typer.Option(help="A running sandbox (default: the config's public URL).")] = None,
    config: ConfigOption = None,
) -> None:
    """Generate N exams (report PDF + DICOM study) and upload them to the imaging centre."""
    import httpx
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    cfg = _load(config)
    base = (target or cfg.public_url).rstrip("/")
    results = []
    with httpx.Client(base_url=base, timeout=600) as http, Progress(
        TextColumn("[bold]上传检查 uploading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console,
    ) as progress:
        task = progress.add_task("upload", total=n)
        for i in range(start, start + n):
            body = {"hospital": hospital, "count": 1, "start": i, "dicomForm": dicom_form,
                    **({"seed": seed} if seed is not None else {})}
            try:
                reply = http.post("/_sandbox/actions/hospital-upload", json=body)
            except httpx.HTTPError as exc:
                console.print(f"[red]cannot reach the sandbox at {base}: {exc}[/red] (start it with: imgcloud serve)")
                raise typer.Exit(2) from None
            if reply.status_code != 200:
                console.print(f"[red]{reply.text}[/red]")
                raise typer.Exit(1)
            results += reply.json()["exams"]
            progress.advance(task)
    table = Table(title=f"{len(results)} exams uploaded by {hospital}")
    for column in ("hiImgIndx", "accession", "images", "succFlag", "message"):
        table.add_column(column)
    for exam in results:
        table.add_row(exam["hiImgIndx"], exam["accession"], str(len(exam["instances"])),
                      exam["result"].get("succFlag", ""), str(exam["result"].get("message", ""))[:80])
    Console().print(table)
    if any(e["result"].get("succFlag") == "-1" for e in results):
        raise typer.Exit(1)


@sm2_app.command("encrypt")
def sm2_encrypt(
    plaintext: Annotated[str, typer.Argument(help="e.g. the resident ID number")],
    public_key: Annotated[Optional[str], typer.Option(help="Hex public key (default: the sandbox cloud's, from the seed).")] = None,
    layout: Annotated[str, typer.Option(help="C1C3C2 (GM/T 0003-2012, the default) or C1C2C3 (old order).")] = "C1C3C2",
    encoding: Annotated[str, typer.Option(help="hex or base64")] = "hex",
    prefix: Annotated[bool, typer.Option(help="Put the 04 point prefix before C1.")] = True,
    config: ConfigOption = None,
) -> None:
    """Encrypt as an integrator should, to produce an idCardNo the sandbox accepts."""
    from reference import sm2

    key = public_key or sm2.issued_key(_load(config)).public_hex
    typer.echo(sm2.encrypt(plaintext, key, layout=layout, encoding=encoding, prefix=prefix))  # type: ignore[arg-type]


@sm2_app.command("decrypt")
def sm2_decrypt(
    ciphertext: Annotated[str, typer.Argument(help="hex or base64, with or without the 04 prefix")],
    config: ConfigOption = None,
) -> None:
    """Decrypt with the sandbox cloud's private key, or say exactly why it cannot be."""
    from reference import sm2

    try:
        found = sm2.decrypt(ciphertext, sm2.issued_key(_load(config)))
    except sm2.SM2Error as exc:
        console.print(f"[red]{exc.kind}[/red]: {exc.detail}")
        raise typer.Exit(1) from None
    typer.echo(found.plaintext)
    console.print(f"({found.layout}, {found.encoding}, {'with' if found.prefixed else 'without'} the 04 prefix)")


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # `imgcloud … | head`
        sys.stderr.close()


if __name__ == "__main__":
    main()
