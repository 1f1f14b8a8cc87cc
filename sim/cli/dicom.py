"""``imgcloud dicom echo|find|get|move|store``: DICOM client helpers that teach
(``reference/transports/dicom/client.py``; nothing is recorded here: these run outside the sandbox).

- ``echo`` says which of three things happened: nothing listens (connection refused, timed out),
  the SCP rejected the association (and its reason: e.g. "Calling AE title not recognised"), or
  the C-ECHO succeeded;
- ``find`` asks for the usual return keys of the level (PS3.4 C.6) besides the ones given, and
  prints them as a table (``--json``: everything);
- ``get`` / ``move`` show the sub-operations as they complete and end with a summary.
"""
from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset

from reference.transports.dicom.client import DicomClient, Peer, Result
from reference.transports.dicom.recorder import as_json as identifier_json
from reference.transports.dicom.status import category

from .common import console
from .output import Column, listing, print_json

app = typer.Typer(help="DICOM client helpers (C-ECHO/FIND/GET/MOVE/STORE).", no_args_is_help=True)


class Level(StrEnum):
    PATIENT = "PATIENT"
    STUDY = "STUDY"
    SERIES = "SERIES"
    IMAGE = "IMAGE"


class Model(StrEnum):
    study = "study"
    patient = "patient"


#: The keys a C-FIND asks for at each level when not given (PS3.4 C.6.1.1 / C.6.2.1: the unique
#: keys of the level and above, and the required and usual optional keys integrators read).
USUAL_KEYS: dict[str, tuple[str, ...]] = {
    "PATIENT": ("PatientID", "PatientName", "PatientBirthDate", "PatientSex", "NumberOfPatientRelatedStudies"),
    "STUDY": ("PatientID", "PatientName", "StudyInstanceUID", "AccessionNumber", "StudyDate", "StudyTime",
              "ModalitiesInStudy", "StudyDescription", "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances"),
    "SERIES": ("StudyInstanceUID", "SeriesInstanceUID", "Modality", "SeriesNumber", "SeriesDescription",
               "NumberOfSeriesRelatedInstances"),
    "IMAGE": ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID", "InstanceNumber"),
}
#: What a level below the top must be given (hierarchical query, PS3.4 C.4.1.2.2.1).
NEEDS = {("study", "SERIES"): ("StudyInstanceUID",), ("study", "IMAGE"): ("StudyInstanceUID", "SeriesInstanceUID"),
         ("patient", "STUDY"): ("PatientID",), ("patient", "SERIES"): ("PatientID", "StudyInstanceUID"),
         ("patient", "IMAGE"): ("PatientID", "StudyInstanceUID", "SeriesInstanceUID")}

Host = Annotated[str, typer.Option(help="Peer host.")]
Port = Annotated[int, typer.Option(min=1, max=65535,
                                   help="Peer port (hospital PACS 11112, archive 11113, gateway 11114).")]
Called = Annotated[str, typer.Option("--aec", help="Called AE title.")]
Calling = Annotated[str, typer.Option("--aet", help="Calling AE title (must be granted by the SCP).")]
Keys = Annotated[list[str] | None, typer.Option("-k", help="Identifier key Keyword=value, or Keyword to ask for it "
                                                       "(repeatable).")]
LevelOption = Annotated[Level, typer.Option(help="QueryRetrieveLevel.", case_sensitive=False)]
ModelOption = Annotated[Model, typer.Option(help="Information model: study or patient (root).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")]


def _keys(keys: list[str] | None) -> dict[str, str]:
    """``-k`` values as keyword -> value, each keyword checked against the DICOM dictionary."""
    out: dict[str, str] = {}
    for item in keys or []:
        keyword, _, value = item.partition("=")
        keyword = keyword.strip()
        if tag_for_keyword(keyword) is None:
            raise typer.BadParameter(f"{keyword!r} is not a DICOM keyword (e.g. PatientID, PatientName, "
                                     "StudyInstanceUID, AccessionNumber, StudyDate, ModalitiesInStudy)", param_hint="-k")
        out[keyword] = value
    return out


def _identifier(level: Level, keys: dict[str, str], *, usual: bool = False) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = level.value
    for keyword in USUAL_KEYS[level.value] if usual else ():
        setattr(ds, keyword, "")
    for keyword, value in keys.items():
        setattr(ds, keyword, value)
    return ds


def _require(model: Model, level: Level, keys: dict[str, str]) -> None:
    missing = [k for k in NEEDS.get((model.value, level.value), ()) if not keys.get(k)]
    if missing:
        hint = " ".join(f"-k {k}=…" for k in missing)
        raise typer.BadParameter(f"a {level.value}-level query in the {model.value} root model names its parents: "
                                 f"{hint} (find them with: imgcloud dicom find --level STUDY)", param_hint="-k")


def _status(result: Result) -> str:
    return "—" if result.status is None else f"0x{result.status:04X} {category(result.status)}"


def _fail_if_needed(result: Result) -> None:
    if not result.ok and not (result.status is not None and category(result.status) == "warning"):
        raise typer.Exit(1)


def _say_association(result: Result, peer: Peer, calling: str) -> None:
    """One line when no association: which of the three it was, and what to do."""
    hints = {"unreachable": "is the SCP running (imgcloud serve starts it) and the host/port right?",
             "rejected": f"the SCP does not accept {calling!r} → {peer.ae_title!r}: check --aet/--aec "
                         "(imgcloud credentials lists the calling AE titles each SCP grants)",
             "aborted": "the SCP ended the association"}
    console.print(f"[red]{result.association}[/red]: {peer} — {result.reason}\n  {hints.get(result.association or '', '')}",
                  soft_wrap=True, highlight=False)


@app.command()
def echo(host: Host = "127.0.0.1", port: Port = 11112, aec: Called = "HOSP_PACS", aet: Calling = "PORTAL",
         as_json: JsonOption = False) -> None:
    """C-ECHO: refused connection, rejected association (with the reason) or success."""
    peer = Peer(aec, host, port)
    started = time.monotonic()
    result = DicomClient(None, calling=aet).echo(peer)
    ms = (time.monotonic() - started) * 1000
    if as_json:
        print_json({"association": result.association, "reason": result.reason, "status": _hex(result),
                    "findings": [f.text() for f in result.findings], "ms": round(ms, 1)})
    elif result.association != "established":
        _say_association(result, peer, aet)
    else:
        typer.echo(f"C-ECHO {aet} → {peer}: {_status(result)} ({ms:.0f} ms)")
    _fail_if_needed(result)


def _hex(result: Result) -> str | None:
    return None if result.status is None else f"0x{result.status:04X}"


@app.command()
def find(keys: Keys = None, level: LevelOption = Level.STUDY, model: ModelOption = Model.study, host: Host = "127.0.0.1",
         port: Port = 11112, aec: Called = "HOSP_PACS", aet: Calling = "PORTAL", as_json: JsonOption = False) -> None:
    """C-FIND: asks for the usual keys of the level (-k adds or matches others) and prints the matches."""
    given = _keys(keys)
    _require(model, level, given)
    peer = Peer(aec, host, port)
    result = DicomClient(None, calling=aet).find(peer, _identifier(level, given, usual=True), model=model.value)
    matches = [identifier_json(m) for m in result.matches]
    if as_json:
        print_json({"status": _hex(result), **result.counts, "findings": [f.text() for f in result.findings],
                    "matches": matches})
    elif result.association != "established":
        _say_association(result, peer, aet)
    else:
        shown = [k for k in (*USUAL_KEYS[level.value], *given) if k not in ("QueryRetrieveLevel",)]
        columns = [Column(k, ident=k not in ("PatientName", "StudyDescription", "SeriesDescription"))
                   for k in dict.fromkeys(shown)]
        listing(matches, columns, title=f"C-FIND {level.value} at {peer}: {len(matches)} match"
                                        f"{'es' * (len(matches) != 1)} ({_status(result)})")
    _fail_if_needed(result)


class _Shown:
    """Sub-operations as they complete, on standard error."""

    def __init__(self, what: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn(f"[bold]{what}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                            TimeElapsedColumn(), console=console, transient=True)
        self.task = self.bar.add_task("", total=None)

    def __call__(self, counts: dict[str, Any]) -> None:
        done = counts.get("NumberOfCompletedSuboperations", 0) + counts.get("NumberOfWarningSuboperations", 0)
        failed = counts.get("NumberOfFailedSuboperations", 0)
        total = done + failed + counts.get("NumberOfRemainingSuboperations", 0)
        size = f"{counts['bytes'] / 1e6:.1f} MB" if "bytes" in counts else ""
        self.bar.update(self.task, completed=done + failed, total=total or None,
                        description=f"{failed} failed {size}" if failed else size)


def _summary(operation: str, result: Result, seconds: float, extra: str = "") -> str:
    counts = result.counts
    return (f"{operation}: {counts.get('NumberOfCompletedSuboperations', 0)} completed, "
            f"{counts.get('NumberOfFailedSuboperations', 0)} failed, {counts.get('NumberOfWarningSuboperations', 0)} "
            f"with warnings in {seconds:.1f} s{extra}; final status {_status(result)}")


@app.command()
def get(keys: Keys = None, level: LevelOption = Level.STUDY, model: ModelOption = Model.study,
        out: Annotated[Path, typer.Option(help="Directory for the retrieved files.")] = Path("."),
        host: Host = "127.0.0.1", port: Port = 11112, aec: Called = "HOSP_PACS", aet: Calling = "PORTAL",
        as_json: JsonOption = False) -> None:
    """C-GET into --out (files named by SOP Instance UID), with progress and a summary."""
    from reference.dicomio import identify

    given = _keys(keys)
    _require_retrieve(model, level, given)
    peer = Peer(aec, host, port)
    started = time.monotonic()
    shown = _Shown("C-GET")
    with shown.bar:
        result = DicomClient(None, calling=aet).get(peer, _identifier(level, given), model=model.value, progress=shown)
    out.mkdir(parents=True, exist_ok=True)
    for data in result.files:
        (out / f"{identify(data).sop_uid}.dcm").write_bytes(data)
    _retrieved(result, peer, aet, "C-GET", time.monotonic() - started, as_json,
               {"files": len(result.files), "bytes": sum(len(f) for f in result.files), "out": str(out)})


def _require_retrieve(model: Model, level: Level, keys: dict[str, str]) -> None:
    unique = {"PATIENT": "PatientID", "STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID",
              "IMAGE": "SOPInstanceUID"}[level.value]
    if not keys.get(unique):
        raise typer.BadParameter(f"a {level.value}-level retrieve names what to retrieve: -k {unique}=… "
                                 "(find it with: imgcloud dicom find)", param_hint="-k")
    _require(model, level, keys)


def _retrieved(result: Result, peer: Peer, aet: str, operation: str, seconds: float, as_json: bool,
               extra: dict[str, Any]) -> None:
    if as_json:
        print_json({"association": result.association, "status": _hex(result), **result.counts,
                    "findings": [f.text() for f in result.findings], "seconds": round(seconds, 2), **extra})
    elif result.association != "established":
        _say_association(result, peer, aet)
    else:
        where = f"; {extra['files']} files ({extra['bytes'] / 1e6:.1f} MB) in {extra['out']}" if "files" in extra else ""
        typer.echo(_summary(operation, result, seconds, where))
        for finding in result.findings:
            typer.echo(f"  {finding.text()}")
    _fail_if_needed(result)


@app.command()
def move(destination: Annotated[str, typer.Option("--dest", help="Move destination AE title.")],
         keys: Keys = None, level: LevelOption = Level.STUDY, model: ModelOption = Model.study, host: Host = "127.0.0.1",
         port: Port = 11112, aec: Called = "HOSP_PACS", aet: Calling = "PORTAL", as_json: JsonOption = False) -> None:
    """C-MOVE to a destination AE the SCP knows, with progress and a summary."""
    given = _keys(keys)
    _require_retrieve(model, level, given)
    peer = Peer(aec, host, port)
    started = time.monotonic()
    shown = _Shown(f"C-MOVE → {destination}")
    with shown.bar:
        result = DicomClient(None, calling=aet).move(peer, _identifier(level, given), destination, model=model.value,
                                                     progress=shown)
    _retrieved(result, peer, aet, f"C-MOVE to {destination}", time.monotonic() - started, as_json, {})


@app.command()
def store(files: Annotated[list[Path], typer.Argument(help="Part-10 files.", exists=True, dir_okay=False)],
          host: Host = "127.0.0.1", port: Port = 11113, aec: Called = "CLOUD_ARCHIVE", aet: Calling = "PORTAL",
          as_json: JsonOption = False) -> None:
    """C-STORE files as they are (no re-encoding)."""
    peer = Peer(aec, host, port)
    started = time.monotonic()
    result = DicomClient(None, calling=aet).store(peer, files)
    _retrieved(result, peer, aet, "C-STORE", time.monotonic() - started, as_json, {})


