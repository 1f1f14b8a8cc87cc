"""``imgcloud hospital upload``: drive the simulated hospital of a running sandbox (flow A)."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .common import ConfigOption, console, load, post_action, sandbox_client

app = typer.Typer(help="Drive the simulated hospital (flow A).", no_args_is_help=True)


@app.command("upload")
def hospital_upload(
    n: Annotated[int, typer.Option("-n", min=1, help="How many exams.")] = 1,
    hospital: Annotated[str, typer.Option(help="The uploading hospital's code.")] = "H51080200011",
    seed: Annotated[int | None, typer.Option(help="Seed of the exam sequence (default from config).")] = None,
    start: Annotated[int, typer.Option(min=0, help="Index of the first exam in the seed's sequence.")] = 0,
    dicom_form: Annotated[str, typer.Option(help="How imgInfoDcm references the images: zip, file or wado.")] = "zip",
    target: Annotated[str | None, typer.Option(help="A running sandbox (default: the config's public URL).")] = None,
    config: ConfigOption = None,
) -> None:
    """Generate N exams (report PDF + DICOM study) and upload them to the imaging centre."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    cfg = load(config)
    results = []
    with sandbox_client(cfg, target or cfg.public_url) as http, Progress(
        TextColumn("[bold]上传检查 uploading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console,
    ) as progress:
        task = progress.add_task("upload", total=n)
        for i in range(start, start + n):
            body = {"hospital": hospital, "count": 1, "start": i, "dicomForm": dicom_form,
                    **({"seed": seed} if seed is not None else {})}
            results += post_action(http, "/_sandbox/actions/hospital-upload", body)["exams"]
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
