"""``imgcloud dicom echo|find|get|move|store``: thin DICOM client helpers for integrators
(``reference/transports/dicom/client.py``; nothing is recorded: these run outside the sandbox)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydicom.dataset import Dataset

from reference.transports.dicom.client import DicomClient, Peer, Result
from reference.transports.dicom.recorder import as_json
from reference.transports.dicom.status import category

app = typer.Typer(help="DICOM client helpers (C-ECHO/FIND/GET/MOVE/STORE).", no_args_is_help=True)

Host = Annotated[str, typer.Option(help="Peer host.")]
Port = Annotated[int, typer.Option(help="Peer port (hospital PACS 11112, archive 11113, gateway 11114).")]
Called = Annotated[str, typer.Option("--aec", help="Called AE title.")]
Calling = Annotated[str, typer.Option("--aet", help="Calling AE title (must be granted by the SCP).")]
Keys = Annotated[list[str] | None, typer.Option("-k", help="Identifier key Keyword=value (repeatable).")]
Level = Annotated[str, typer.Option(help="QueryRetrieveLevel: PATIENT, STUDY, SERIES or IMAGE.")]
Model = Annotated[str, typer.Option(help="Information model: study or patient (root).")]


def _identifier(level: str, keys: list[str] | None) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = level.upper()
    for item in keys or []:
        keyword, _, value = item.partition("=")
        setattr(ds, keyword, value)
    return ds


def _report(result: Result, extra: dict | None = None) -> None:
    out = {"status": None if result.status is None else f"0x{result.status:04X}", **result.counts,
           "findings": [f.text() for f in result.findings], **(extra or {})}
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    if not result.ok and not (result.status is not None and category(result.status) == "warning"):
        raise typer.Exit(1)


@app.command()
def echo(host: Host = "127.0.0.1", port: Port = 11112, aec: Called = "HOSP_PACS", aet: Calling = "PORTAL") -> None:
    """C-ECHO."""
    _report(DicomClient(None, calling=aet).echo(Peer(aec, host, port)))


@app.command()
def find(keys: Keys = None, level: Level = "STUDY", model: Model = "study", host: Host = "127.0.0.1",
         port: Port = 11112, aec: Called = "HOSP_PACS", aet: Calling = "PORTAL") -> None:
    """C-FIND; matches printed as JSON."""
    result = DicomClient(None, calling=aet).find(Peer(aec, host, port), _identifier(level, keys), model=model)
    _report(result, {"matches": [as_json(m) for m in result.matches]})


@app.command()
def get(keys: Keys = None, level: Level = "STUDY", model: Model = "study",
        out: Annotated[Path, typer.Option(help="Directory for the retrieved files.")] = Path("."),
        host: Host = "127.0.0.1", port: Port = 11112, aec: Called = "HOSP_PACS", aet: Calling = "PORTAL") -> None:
    """C-GET into --out (files named by SOP Instance UID)."""
    from reference.dicomio import identify

    result = DicomClient(None, calling=aet).get(Peer(aec, host, port), _identifier(level, keys), model=model)
    out.mkdir(parents=True, exist_ok=True)
    for data in result.files:
        (out / f"{identify(data).sop_uid}.dcm").write_bytes(data)
    _report(result, {"files": len(result.files), "out": str(out)})


@app.command()
def move(destination: Annotated[str, typer.Option("--dest", help="Move destination AE title.")],
         keys: Keys = None, level: Level = "STUDY", model: Model = "study", host: Host = "127.0.0.1",
         port: Port = 11112, aec: Called = "HOSP_PACS", aet: Calling = "PORTAL") -> None:
    """C-MOVE to a destination AE the SCP knows."""
    _report(DicomClient(None, calling=aet).move(Peer(aec, host, port), _identifier(level, keys), destination,
                                                model=model))


@app.command()
def store(files: Annotated[list[Path], typer.Argument(help="Part-10 files.")], host: Host = "127.0.0.1",
          port: Port = 11113, aec: Called = "CLOUD_ARCHIVE", aet: Calling = "PORTAL") -> None:
    """C-STORE files as they are (no re-encoding)."""
    _report(DicomClient(None, calling=aet).store(Peer(aec, host, port), files))
