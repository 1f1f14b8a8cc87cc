"""``imgcloud contract test --party P --target URL``: a vendor's system under test, judged by the
flows it takes part in; the verdict written as JUnit, JSON and an HTML table."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sim.cli.common import ConfigOption, console, load

app = typer.Typer(help="Contract-test an external system: the flows of its party run against it.",
                  no_args_is_help=True)


@app.command("test")
def contract_test(
    party: Annotated[str, typer.Option("--party", help="The party the system under test plays (imaging_centre, "
                                                       "province_index, province_cloud, gateway, hospital, …).")],
    target: Annotated[str, typer.Option("--target", help="Base URL of the system under test.")],
    flows: Annotated[list[str] | None, typer.Option("--flows", help="Scenario names (default: every flow of the party); "
                                                                   "repeatable.")] = None,
    config: ConfigOption = None,
    port: Annotated[int, typer.Option(help="Port of the sandbox started here, for the system under test to call "
                                           "back (0: a free one).")] = 0,
    home: Annotated[Path | None, typer.Option(help="Data home of the sandbox started here (default: temporary).")] = None,
    config_ports: Annotated[bool, typer.Option("--config-ports", help="DICOM SCPs on the config's ports.")] = False,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
) -> None:
    """Run the party's flows against TARGET; exit 0 when it conforms, 1 when it does not, 2 on a usage error."""
    from sim.contract.report import write_html, write_json, write_junit
    from sim.contract.run import FLOWS, run_contract
    from sim.localnet import with_free_dicom_ports
    from sim.scenario.report import ConsoleReporter
    from sim.scenario.server import SandboxStartError

    if party not in FLOWS:
        console.print(f"[red]--party {party!r}: no flow has it as an external system; parties: {', '.join(FLOWS)}[/red]")
        raise typer.Exit(2)
    out = ConsoleReporter(Console(highlight=False))
    typer.echo(f"contract test of {party} at {target}: {', '.join(flows or FLOWS[party])}")
    with tempfile.TemporaryDirectory(prefix="imgcloud-contract-") as tmp:
        cfg = load(config, home=str(home or tmp))
        if not config_ports:
            cfg = with_free_dicom_ports(cfg)
        try:
            result = run_contract(cfg, party, target, flows=flows or None, port=port, on_step=out.step)
        except SandboxStartError as exc:
            console.print(str(exc), style="red", soft_wrap=True, markup=False)
            raise typer.Exit(2) from None
    for scenario in result.scenarios:
        out.scenario_done(scenario)
    for item in result.interfaces:
        typer.echo(f"{item.result.upper():5} {item.family} {item.operation} ({item.direction}) {item.section}: "
                   f"{item.exchanges} exchanges")
        for exchange in item.failing[:5]:
            for f in exchange["findings"]:
                typer.echo(f"      [{f['rule']}] {f['path']}: {f['zh']} / {f['en']}")
    typer.echo(f"verdict: {result.verdict}")
    for path, write in ((junit, write_junit), (json_out, write_json), (html_out, write_html)):
        if path is not None:
            write(result, path)
    raise typer.Exit(0 if result.verdict in ("pass", "skip") else 1)
