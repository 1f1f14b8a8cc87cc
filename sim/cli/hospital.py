"""``imgcloud hospital upload``: drive the simulated hospital of a running sandbox (flow A)."""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from reference.config import Config

from .common import ConfigOption, console, load
from .output import Column, listing
from .remote import TargetOption, call, sandbox_http

app = typer.Typer(help="Drive the simulated hospital (flow A).", no_args_is_help=True)


class DicomForm(StrEnum):
    """How ``imgInfoDcm`` references the study (INTERFACES.md §2)."""

    zip = "zip"
    file = "file"
    wado = "wado"


def institution_of_kind(cfg: Config, code: str | None, kind: str, option: str) -> str | None:
    """``code`` when the config has it as an institution of ``kind``, else a usage error listing the valid ones."""
    valid = [i.code for i in cfg.institutions if i.kind == kind]
    if code is None or code in valid:
        return code
    inst = cfg.institution(code)
    what = f"is {_a(inst.kind)}, not {_a(kind)}" if inst else f"is not a configured {kind}"
    raise typer.BadParameter(f"{code} {what}; valid: {', '.join(valid)}", param_hint=option)


@app.command("upload")
def hospital_upload(
    n: Annotated[int, typer.Option("-n", min=1, max=200, help="How many exams.")] = 1,
    hospital: Annotated[str | None, typer.Option(help="The uploading hospital's code (default: the first hospital).")] = None,
    centre: Annotated[str | None, typer.Option(help="The imaging centre to upload to (default: the first centre).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the exam sequence (default from config).")] = None,
    start: Annotated[int, typer.Option(min=0, help="Index of the first exam in the seed's sequence.")] = 0,
    dicom_form: Annotated[DicomForm, typer.Option(help="How imgInfoDcm references the images.")] = DicomForm.zip,
    as_json: Annotated[bool, typer.Option("--json", help="Print the exams as JSON.")] = False,
    target: TargetOption = None,
    config: ConfigOption = None,
) -> None:
    """Generate N exams (report PDF + DICOM study) and upload them to the imaging centre."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    cfg = load(config)
    hospital = institution_of_kind(cfg, hospital, "hospital", "--hospital") or next(
        (i.code for i in cfg.institutions if i.kind == "hospital"), None)
    if hospital is None:
        raise typer.BadParameter("the config names no hospital", param_hint="--hospital")
    centre = institution_of_kind(cfg, centre, "imaging_centre", "--centre")
    results = []
    with sandbox_http(cfg, target, timeout=600) as http, Progress(
        TextColumn("[bold]上传检查 uploading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console,
    ) as progress:
        task = progress.add_task("upload", total=n)
        for i in range(start, start + n):
            body = {"hospital": hospital, "count": 1, "start": i, "dicomForm": dicom_form.value,
                    **({"seed": seed} if seed is not None else {}), **({"centre": centre} if centre else {})}
            results += call(http, "POST", "/_sandbox/actions/hospital-upload", json=body)["exams"]
            progress.advance(task)
    rows = [{"hiImgIndx": e["hiImgIndx"], "accession": e["accession"], "images": len(e["instances"]),
             "succFlag": e["result"].get("succFlag", ""), "message": str(e["result"].get("message", ""))} for e in results]
    listing(rows, [Column("accession"), Column("hiImgIndx"), Column("images"), Column("succFlag"),
                   Column("message", ident=False)], title=f"{len(results)} exams uploaded by {hospital}",
            as_json=as_json, data=results)
    if any(e["result"].get("succFlag") == "-1" for e in results):
        raise typer.Exit(1)


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
