"""``imgcloud exams`` and ``imgcloud indexes``: what a running sandbox holds, with the links to
its pages (``/_sandbox/state/…`` listings), every identifier whole, ``--json`` for scripts."""
from __future__ import annotations

from typing import Annotated, Any

import typer

from .common import ConfigOption, load
from .output import Column, listing, print_json
from .remote import TargetOption, call, sandbox_http

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
LimitOption = Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first.")]

CENTRE_COLUMNS = [Column("accession"), Column("patient", ident=False), Column("item", ident=False),
                  Column("status"), Column("images"), Column("hiImgIndx"), Column("report"), Column("imagesPage", "image page")]
CLOUD_COLUMNS = [Column("accessNumber"), Column("patient", ident=False), Column("item", ident=False),
                 Column("hospitalCode", "hospital"), Column("examId"), Column("film")]
INDEX_COLUMNS = [Column("hiImgIndx"), Column("infCode"), Column("patient", ident=False), Column("pullStatus", "pull"),
                 Column("images", "cached"), Column("report")]


def exams(
    centre: Annotated[str | None, typer.Option(help="Only this imaging centre (default: every configured one).")] = None,
    cloud: Annotated[bool, typer.Option("--cloud/--no-cloud", help="Also the provincial cloud's exams.")] = True,
    limit: LimitOption = 100,
    as_json: JsonOption = False,
    target: TargetOption = None,
    config: ConfigOption = None,
) -> None:
    """The exams the imaging centres (and the provincial cloud) hold, with their page links."""
    cfg = load(config)
    centres = [i.code for i in cfg.institutions if i.kind == "imaging_centre"]
    if centre is not None and centre not in centres:
        raise typer.BadParameter(f"{centre!r} is not an imaging centre; centres: {', '.join(centres)}",
                                 param_hint="--centre")
    held: dict[str, list[dict[str, Any]]] = {}
    with sandbox_http(cfg, target) as http:
        for code in [centre] if centre else centres:
            held[code] = call(http, "GET", f"/_sandbox/state/centre/{code}/exams", params={"limit": limit})
        in_cloud = call(http, "GET", "/_sandbox/state/province-cloud/exams", params={"limit": limit}) if cloud else None
    if as_json:
        print_json({"centres": held, **({"cloud": in_cloud} if cloud else {})})
        return
    for code, rows in held.items():
        flat = [{**r, "report": r["links"]["report"], "imagesPage": r["links"]["images"]} for r in rows]
        listing(flat, CENTRE_COLUMNS, title=f"imaging centre {code}: {len(rows)} exams")
    if in_cloud is not None:
        listing([{**r, "film": r["links"]["film"]} for r in in_cloud], CLOUD_COLUMNS,
                title=f"provincial cloud: {len(in_cloud)} exams")


def indexes(
    limit: LimitOption = 100,
    deleted: Annotated[bool, typer.Option("--deleted", help="Include withdrawn indexes.")] = False,
    as_json: JsonOption = False,
    target: TargetOption = None,
    config: ConfigOption = None,
) -> None:
    """The indexes the provincial index module holds: pull status, cached images, page links."""
    cfg = load(config)
    with sandbox_http(cfg, target) as http:
        rows = call(http, "GET", "/_sandbox/state/province/indexes", params={"limit": limit, "deleted": deleted})
    if as_json:
        print_json(rows)
        return
    listing([{**r, "report": r["links"]["report"]} for r in rows], INDEX_COLUMNS,
            title=f"provincial index: {len(rows)} indexes")
