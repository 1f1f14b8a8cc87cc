"""``imgcloud scenario run|list|check``: scenario files (``scenarios/*.yaml``, shipped in the
distribution) run against a sandbox this command starts, or a running one (``--target``)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from reference.config import Config

from .common import ConfigOption, console, load

app = typer.Typer(help="Run scenario files (scenarios/*.yaml) against the sandbox.", no_args_is_help=True)


def _scenario_dir() -> Path:
    from sim.scenario.model import SCENARIO_DIR

    return Path("scenarios") if Path("scenarios").is_dir() else SCENARIO_DIR


def _scenario_files(names: list[str]) -> list[Path]:
    """Files as given, or names of files in the scenarios directory."""
    return [Path(n) if Path(n).exists() or n.endswith((".yaml", ".yml")) else _scenario_dir() / f"{n}.yaml"
            for n in names]


@app.command("run")
def scenario_run(
    files: Annotated[list[str], typer.Argument(help="Scenario files, or names of files in scenarios/.")],
    config: ConfigOption = None,
    target: Annotated[str | None, typer.Option(help="Base URL of a running sandbox (default: start one here).")] = None,
    home: Annotated[Path | None, typer.Option(
        help="Data home of the sandbox started here (default: a fresh temporary directory).")] = None,
    shared_storage: Annotated[bool, typer.Option(
        "--shared-storage",
        help="With --target: the target uses the storage of --config, so stored-state checks may read it.")] = False,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML results here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write JSON results here.")] = None,
    var: Annotated[list[str] | None, typer.Option(
        "--var", help="NAME=VALUE (a YAML value) over the files' vars; repeatable.")] = None,
    config_ports: Annotated[bool, typer.Option(
        "--config-ports",
        help="The sandbox started here runs its DICOM SCPs on the config's ports (default: free ports).")] = False,
) -> None:
    """Run scenarios; exit 1 if any step fails or errs, 2 if a file is invalid."""
    import tempfile

    import yaml

    from sim.localnet import with_free_dicom_ports
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
        results = run_all(load(config, listen={"public_url": target}), target, shared_storage)
    else:
        with tempfile.TemporaryDirectory(prefix="imgcloud-scenario-") as tmp:
            cfg = load(config, home=str(home or tmp))
            if not config_ports:
                cfg = with_free_dicom_ports(cfg)
            try:
                with running_sandbox(cfg, dicom=True) as url:
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


@app.command("list")
def scenario_list(
    directory: Annotated[Path | None, typer.Option("--dir", help="Directory of scenario files (default: scenarios/).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (name, steps, title, file).")] = False,
) -> None:
    """Name, number of steps and title of each scenario file."""
    from sim.scenario import ScenarioError, load_scenario

    found = []
    for path in sorted((directory or _scenario_dir()).glob("*.y*ml")):
        try:
            scenario = load_scenario(path)
            found.append({"name": scenario.name, "steps": len(scenario.steps), "title": scenario.title, "file": str(path)})
        except ScenarioError:
            found.append({"name": path.stem, "steps": None, "title": f"invalid (imgcloud scenario check {path})",
                          "file": str(path)})
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for item in found:
        steps = f"{item['steps']:>3} steps" if item["steps"] is not None else "         "
        typer.echo(f"{item['name']:<32} {steps}  {item['title']}")


@app.command("check")
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
